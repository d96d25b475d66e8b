/* nn-file.h: reading files that come from anywhere — regular files only, with a size cap */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NN_FILE_ERROR (nn_file_error_quark ())
GQuark nn_file_error_quark (void);

typedef enum
{
  NN_FILE_ERROR_NOT_FOUND,
  NN_FILE_ERROR_NOT_REGULAR,     /* a directory, FIFO, device (/dev/zero), socket */
  NN_FILE_ERROR_TOO_LARGE,
  NN_FILE_ERROR_IO,
} NnFileError;

/* Caps by kind of file, checked before anything is allocated or read. */
#define NN_FILE_MAX_CONFIG      ((gsize) 1 << 20)     /* config.json */
#define NN_FILE_MAX_WEIGHTS     ((gsize) 1 << 30)     /* a model's .safetensors */
#define NN_FILE_MAX_CHECKPOINT  ((gsize) 3 << 30)     /* weights, two Adam moments, state */
#define NN_FILE_MAX_PNG         ((gsize) 64 << 20)
#define NN_FILE_MAX_DATA        ((gsize) 2 << 30)     /* an IDX file, raw or gzip */

/* Opens path for reading only when it is a regular file (never blocking on a FIFO) of at most
 * max_size bytes; returns the descriptor and its size, or -1 with an error. */
int       nn_file_open_regular (const char  *path,
                                gsize        max_size,
                                gsize       *size,
                                GError     **error);

/* Reads a whole regular file of at most max_size bytes; contents are NUL-terminated, as with
 * g_file_get_contents (). Allocation failure is an error, never an abort. */
gboolean  nn_file_read         (const char  *path,
                                gsize        max_size,
                                char       **contents,
                                gsize       *length,
                                GError     **error);

/* Whether path may be replaced by a new file (written beside it, then renamed over it): it does
 * not exist yet or is a regular file. A FIFO, a device, a folder or a symbolic link is refused,
 * since the rename would put a file in its place. */
gboolean  nn_file_check_replaceable (const char  *path,
                                     GError     **error);

G_END_DECLS
