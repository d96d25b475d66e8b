/* nn-file.c: reading files that come from anywhere — regular files only, with a size cap */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "nn-file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

G_DEFINE_QUARK (nn-file-error-quark, nn_file_error)

int
nn_file_open_regular (const char  *path,
                      gsize        max_size,
                      gsize       *size,
                      GError     **error)
{
  struct stat info;
  int fd, flags;

  g_return_val_if_fail (path != NULL, -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  /* O_NONBLOCK: opening a FIFO with no writer must not hang; it is refused just below */
  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, NN_FILE_ERROR,
                   saved == ENOENT ? NN_FILE_ERROR_NOT_FOUND : NN_FILE_ERROR_IO,
                   "%s cannot be opened: %s", path, g_strerror (saved));
      return -1;
    }
  if (fstat (fd, &info) != 0)
    {
      int saved = errno;

      close (fd);
      g_set_error (error, NN_FILE_ERROR, NN_FILE_ERROR_IO, "%s cannot be read: %s", path,
                   g_strerror (saved));
      return -1;
    }
  if (!S_ISREG (info.st_mode))
    {
      close (fd);
      g_set_error (error, NN_FILE_ERROR, NN_FILE_ERROR_NOT_REGULAR,
                   S_ISDIR (info.st_mode) ? "%s is a folder, not a file"
                                          : "%s is not a regular file", path);
      return -1;
    }
  if (info.st_size < 0 || (guint64) info.st_size > max_size)
    {
      close (fd);
      g_set_error (error, NN_FILE_ERROR, NN_FILE_ERROR_TOO_LARGE,
                   "%s is too large (%" G_GUINT64_FORMAT " bytes; at most %" G_GSIZE_FORMAT
                   " are read)", path, (guint64) info.st_size, max_size);
      return -1;
    }
  flags = fcntl (fd, F_GETFL);
  if (flags >= 0)
    (void) fcntl (fd, F_SETFL, flags & ~O_NONBLOCK);
  *size = (gsize) info.st_size;
  return fd;
}

gboolean
nn_file_read (const char  *path,
              gsize        max_size,
              char       **contents,
              gsize       *length,
              GError     **error)
{
  g_autofree char *buffer = NULL;
  gsize size, done = 0;
  int fd;

  g_return_val_if_fail (contents != NULL, FALSE);

  fd = nn_file_open_regular (path, max_size, &size, error);
  if (fd < 0)
    return FALSE;
  buffer = g_try_malloc (size + 1);
  if (buffer == NULL)
    {
      close (fd);
      g_set_error (error, NN_FILE_ERROR, NN_FILE_ERROR_TOO_LARGE,
                   "%s: not enough memory to read %" G_GSIZE_FORMAT " bytes", path, size);
      return FALSE;
    }
  while (done < size)
    {
      ssize_t n = read (fd, buffer + done, size - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          int saved = errno;

          close (fd);
          g_set_error (error, NN_FILE_ERROR, NN_FILE_ERROR_IO, "%s cannot be read: %s", path,
                       n == 0 ? "it became shorter while being read" : g_strerror (saved));
          return FALSE;
        }
      done += (gsize) n;
    }
  close (fd);
  buffer[size] = '\0';
  *contents = g_steal_pointer (&buffer);
  if (length != NULL)
    *length = size;
  return TRUE;
}

gboolean
nn_file_check_replaceable (const char  *path,
                           GError     **error)
{
  struct stat info;

  g_return_val_if_fail (path != NULL, FALSE);

  if (lstat (path, &info) != 0)
    {
      int saved = errno;

      if (saved == ENOENT)
        return TRUE;
      g_set_error (error, NN_FILE_ERROR, NN_FILE_ERROR_IO, "%s cannot be written: %s", path,
                   g_strerror (saved));
      return FALSE;
    }
  if (S_ISREG (info.st_mode))
    return TRUE;
  g_set_error (error, NN_FILE_ERROR, NN_FILE_ERROR_NOT_REGULAR,
               S_ISDIR (info.st_mode) ? "%s is a folder, not a file"
               : S_ISLNK (info.st_mode) ? "%s is a symbolic link; it is not replaced by a file"
               : "%s is not a regular file; it is not replaced", path);
  return FALSE;
}
