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

typedef struct
{
  size_t  n_images;
  size_t  rows;
  size_t  cols;
  guint8 *pixels;          /* (n_images, rows, cols), 0 = background */
  guint8 *labels;          /* (n_images) */
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
} NnDataset;

NnImageSet *nn_image_set_new      (size_t            n_images,
                                   size_t            rows,
                                   size_t            cols);
/* Labels must be below n_classes. */
NnImageSet *nn_image_set_load     (const char       *images_path,
                                   const char       *labels_path,
                                   size_t            n_classes,
                                   GError          **error);
void        nn_image_set_free     (NnImageSet       *set);

/* Finds train-images-idx3-ubyte[.gz] and the three others (dotted ".idx3-ubyte" names too). */
NnDataset  *nn_dataset_load_dir   (const char       *dir,
                                   GError          **error);
void        nn_dataset_free       (NnDataset        *ds);
/* A deep copy, for work on another thread while the original may go away. */
NnDataset  *nn_dataset_copy       (const NnDataset  *ds);
NnImageSet *nn_image_set_copy     (const NnImageSet *set);

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

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnImageSet, nn_image_set_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnDataset, nn_dataset_free)

G_END_DECLS
