/* nn-idx.h: the IDX file format of MNIST, raw or gzip-compressed, read with every field checked */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NN_IDX_ERROR (nn_idx_error_quark ())
GQuark nn_idx_error_quark (void);

typedef enum
{
  NN_IDX_ERROR_OPEN,             /* missing, unreadable, a symlink loop */
  NN_IDX_ERROR_BAD_MAGIC,
  NN_IDX_ERROR_BAD_TYPE,
  NN_IDX_ERROR_BAD_DIMENSIONS,
  NN_IDX_ERROR_TOO_LARGE,        /* past the limits below, or the file past NN_FILE_MAX_DATA */
  NN_IDX_ERROR_TRUNCATED,        /* the data, raw or compressed, ends before the declared end */
  NN_IDX_ERROR_TRAILING_DATA,    /* more data than the header declares, or garbage after gzip */
  NN_IDX_ERROR_CORRUPT_GZIP,     /* a bad deflate block, gzip header, CRC-32 or length */
  NN_IDX_ERROR_COUNT_MISMATCH,
  NN_IDX_ERROR_BAD_LABEL,
  NN_IDX_ERROR_WRITE,
  NN_IDX_ERROR_NOT_REGULAR,      /* a folder, FIFO, device or socket: never read */
} NnIdxError;

/* Limits checked before anything is allocated. */
#define NN_IDX_MAX_SIDE 4096
#define NN_IDX_MAX_COUNT 10000000
#define NN_IDX_MAX_BYTES ((guint64) 2 << 30)

/* Reading. Only regular files of at most NN_FILE_MAX_DATA bytes are opened (a FIFO, /dev/zero or
 * a folder is refused before any read). A file that starts with the gzip magic (1f 8b) is
 * inflated, any other is read raw, whatever its name. The contents must be exactly the header
 * and the data it declares:
 * - raw: a shorter file is TRUNCATED and a longer one TRAILING_DATA, both found from the file's
 *   size before anything is allocated;
 * - gzip: as gzip(1) does, concatenated members are one stream, so a valid member after
 *   another is read on; anything else after a member (zero padding included, which gzip(1)
 *   ignores) is TRAILING_DATA. Decompressed data past what the header declares is TRAILING_DATA
 *   and is not inflated further (a "gzip bomb" costs what its header declares and no more);
 *   the size is never taken from the gzip trailer (ISIZE), and a header declaring more than
 *   the compressed size could inflate to is TRUNCATED before allocation. Every member's CRC-32
 *   and length are checked (CORRUPT_GZIP), and a stream that stops mid-member is TRUNCATED. */

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
