/* nn-idx.h: the IDX file format of MNIST, raw or gzip-compressed, read with every field checked */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NN_IDX_ERROR (nn_idx_error_quark ())
GQuark nn_idx_error_quark (void);

typedef enum
{
  NN_IDX_ERROR_OPEN,
  NN_IDX_ERROR_BAD_MAGIC,
  NN_IDX_ERROR_BAD_TYPE,
  NN_IDX_ERROR_BAD_DIMENSIONS,
  NN_IDX_ERROR_TOO_LARGE,
  NN_IDX_ERROR_TRUNCATED,
  NN_IDX_ERROR_TRAILING_DATA,
  NN_IDX_ERROR_CORRUPT_GZIP,
  NN_IDX_ERROR_COUNT_MISMATCH,
  NN_IDX_ERROR_BAD_LABEL,
  NN_IDX_ERROR_WRITE,
} NnIdxError;

/* Limits checked before anything is allocated. */
#define NN_IDX_MAX_SIDE 4096
#define NN_IDX_MAX_COUNT 10000000
#define NN_IDX_MAX_BYTES ((guint64) 2 << 30)

/* Images: magic 0x00000803, dimensions (n, rows, cols); returns (n, rows, cols) bytes. */
guint8   *nn_idx_load_images (const char    *path,
                              size_t        *n_images,
                              size_t        *rows,
                              size_t        *cols,
                              GError       **error);
/* Labels: magic 0x00000801, dimension (n). */
guint8   *nn_idx_load_labels (const char    *path,
                              size_t        *n_labels,
                              GError       **error);

/* Writers (gzip when the path ends in .gz), atomic; used for fixtures and exports. */
gboolean  nn_idx_save_images (const char    *path,
                              const guint8  *pixels,
                              size_t         n_images,
                              size_t         rows,
                              size_t         cols,
                              GError       **error);
gboolean  nn_idx_save_labels (const char    *path,
                              const guint8  *labels,
                              size_t         n_labels,
                              GError       **error);

G_END_DECLS
