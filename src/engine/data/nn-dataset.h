/* nn-dataset.h: image sets, the MNIST-style dataset folder, statistics and splits */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NN_DATASET_ERROR (nn_dataset_error_quark ())
GQuark nn_dataset_error_quark (void);

typedef enum
{
  NN_DATASET_ERROR_MISSING_FILE,
  NN_DATASET_ERROR_MISMATCH,
} NnDatasetError;

/* Image sets and datasets do not change once made: threads share them by reference. */
typedef struct
{
  size_t  n_images;
  size_t  rows;
  size_t  cols;
  guint8 *pixels;          /* (n_images, rows, cols), 0 = background */
  guint8 *labels;          /* (n_images) */
  gint    ref_count;       /* atomic */
} NnImageSet;

typedef enum
{
  NN_DATASET_MNIST,
  NN_DATASET_FASHION_MNIST,
  NN_DATASET_CUSTOM,
} NnDatasetKind;

typedef struct
{
  NnDatasetKind  kind;
  char          *name;          /* "mnist", "fashion-mnist" or the folder's name */
  char          *dir;
  size_t         n_classes;
  char         **class_names;   /* (n_classes), NULL-terminated */
  NnImageSet    *train;
  NnImageSet    *test;
  char          *files[4];      /* train images, train labels, test images, test labels */
  gint           ref_count;     /* atomic */
} NnDataset;

NnImageSet *nn_image_set_new      (size_t            n_images,
                                   size_t            rows,
                                   size_t            cols);
/* Labels must be below n_classes. */
NnImageSet *nn_image_set_load     (const char       *images_path,
                                   const char       *labels_path,
                                   size_t            n_classes,
                                   GError          **error);
NnImageSet *nn_image_set_ref      (NnImageSet       *set);
void        nn_image_set_unref    (NnImageSet       *set);

/* Finds train-images-idx3-ubyte[.gz] and the three others (dotted ".idx3-ubyte" names too).
 * Errors: NN_DATASET_ERROR_MISSING_FILE when the folder or a file is missing, or a file's name
 * is a link to nothing or a loop of links; the reader's NN_IDX_ERROR for a file that cannot be
 * read (NOT_REGULAR when the name is a folder, FIFO or device) or is malformed, COUNT_MISMATCH
 * when a split's images and labels differ in number, BAD_LABEL for a label ≥ n_classes;
 * NN_DATASET_ERROR_MISMATCH when training and test images differ in size. Images may be any
 * size the IDX limits allow, not only 28×28: users of a dataset check it against their model. */
NnDataset  *nn_dataset_load_dir   (const char       *dir,
                                   GError          **error);
/* An empty dataset for its maker to fill in, with one reference. */
NnDataset  *nn_dataset_new        (void);
NnDataset  *nn_dataset_ref        (NnDataset        *ds);
void        nn_dataset_unref      (NnDataset        *ds);

/* Mean and standard deviation of pixel / 255 over the listed images (all when NULL), exact. */
void        nn_image_set_mean_std (const NnImageSet *set,
                                   const guint32    *indices,
                                   size_t            n_indices,
                                   double           *mean,
                                   double           *std);

/* Seeded split of 0 … n−1 into n − n_val training and n_val validation indices, each sorted. */
void        nn_split_indices      (size_t            n,
                                   size_t            n_val,
                                   guint64           seed,
                                   guint32          *train_idx,
                                   guint32          *val_idx);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnImageSet, nn_image_set_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnDataset, nn_dataset_unref)

G_END_DECLS
