/* nn-idx.c: streaming IDX reader through zlib (which reads raw files too) and atomic writers */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-idx.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <zlib.h>

G_DEFINE_QUARK (nn-idx-error-quark, nn_idx_error)

typedef struct
{
  gzFile      gz;
  const char *path;
  char       *name;        /* basename for messages */
} Reader;

static void
reader_close (Reader *r)
{
  if (r->gz != NULL)
    gzclose (r->gz);
  g_free (r->name);
}

static gboolean
reader_open (Reader      *r,
             const char  *path,
             GError     **error)
{
  int saved;

  r->path = path;
  r->name = g_path_get_basename (path);
  errno = 0;
  r->gz = gzopen (path, "rb");
  if (r->gz == NULL)
    {
      saved = errno;
      g_set_error (error, NN_IDX_ERROR, NN_IDX_ERROR_OPEN, "%s: cannot open (%s)", r->name,
                   saved != 0 ? g_strerror (saved) : "out of memory");
      g_clear_pointer (&r->name, g_free);   /* the caller only closes what opened */
      return FALSE;
    }
  gzbuffer (r->gz, 256 * 1024);
  return TRUE;
}

/* Reads exactly n bytes; says how many arrived when the file ends early. */
static gboolean
reader_read (Reader      *r,
             guint8      *buf,
             guint64      n,
             const char  *what,
             GError     **error)
{
  guint64 done = 0;

  while (done < n)
    {
      unsigned chunk = (unsigned) MIN (n - done, (guint64) 1 << 30);
      int got = gzread (r->gz, buf + done, chunk);

      if (got < 0)
        {
          int errnum;
          const char *msg = gzerror (r->gz, &errnum);

          g_set_error (error, NN_IDX_ERROR, NN_IDX_ERROR_CORRUPT_GZIP,
                       "%s: the compressed data is damaged (%s)", r->name, msg);
          return FALSE;
        }
      if (got == 0)
        {
          int errnum;

          gzerror (r->gz, &errnum);
          if (errnum != Z_OK && errnum != Z_BUF_ERROR)
            {
              g_set_error (error, NN_IDX_ERROR, NN_IDX_ERROR_CORRUPT_GZIP,
                           "%s: the compressed data is damaged", r->name);
              return FALSE;
            }
          g_set_error (error, NN_IDX_ERROR, NN_IDX_ERROR_TRUNCATED,
                       "%s: expected %" G_GUINT64_FORMAT " bytes of %s, the file ends after %"
                       G_GUINT64_FORMAT, r->name, n, what, done);
          return FALSE;
        }
      done += (guint64) got;
    }
  return TRUE;
}

static gboolean
reader_expect_end (Reader  *r,
                   GError **error)
{
  guint8 extra;
  int got = gzread (r->gz, &extra, 1);

  if (got > 0)
    {
      g_set_error (error, NN_IDX_ERROR, NN_IDX_ERROR_TRAILING_DATA,
                   "%s: unexpected data after the declared contents", r->name);
      return FALSE;
    }
  if (got < 0)
    {
      int errnum;

      g_set_error (error, NN_IDX_ERROR, NN_IDX_ERROR_CORRUPT_GZIP,
                   "%s: the compressed data is damaged (%s)", r->name, gzerror (r->gz, &errnum));
      return FALSE;
    }
  return TRUE;
}

static guint32
be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

/* Reads and checks the header; dims receives n_dims sizes. */
static gboolean
read_header (Reader      *r,
             guint        n_dims,
             const char  *kind,
             guint32     *dims,
             GError     **error)
{
  guint8 head[4 + 4 * 3];

  if (!reader_read (r, head, 4, "header", error))
    return FALSE;
  if (head[0] != 0 || head[1] != 0)
    {
      g_set_error (error, NN_IDX_ERROR, NN_IDX_ERROR_BAD_MAGIC,
                   "%s: not an IDX file (magic number %08x)", r->name, be32 (head));
      return FALSE;
    }
  if (head[2] != 0x08)
    {
      g_set_error (error, NN_IDX_ERROR, NN_IDX_ERROR_BAD_TYPE,
                   "%s: element type 0x%02x is not supported (only unsigned bytes, 0x08)",
                   r->name, head[2]);
      return FALSE;
    }
  if (head[3] != n_dims)
    {
      g_set_error (error, NN_IDX_ERROR, NN_IDX_ERROR_BAD_MAGIC,
                   "%s: has %u dimensions, but %s files have %u (magic %08x, expected %08x)",
                   r->name, head[3], kind, n_dims, be32 (head), 0x0800u | n_dims);
      return FALSE;
    }
  if (!reader_read (r, head + 4, 4 * n_dims, "header", error))
    return FALSE;
  for (guint d = 0; d < n_dims; d++)
    dims[d] = be32 (head + 4 + 4 * d);
  return TRUE;
}

guint8 *
nn_idx_load_images (const char  *path,
                    size_t      *n_images,
                    size_t      *rows,
                    size_t      *cols,
                    GError     **error)
{
  Reader r = { 0 };
  guint32 dims[3];
  guint64 total;
  g_autofree guint8 *pixels = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!reader_open (&r, path, error))
    return NULL;
  if (!read_header (&r, 3, "image", dims, error))
    goto out;
  if (dims[0] == 0 || dims[1] == 0 || dims[2] == 0)
    {
      g_set_error (error, NN_IDX_ERROR, NN_IDX_ERROR_BAD_DIMENSIONS,
                   "%s: declares %u images of %u×%u pixels; none may be zero", r.name, dims[0],
                   dims[1], dims[2]);
      goto out;
    }
  total = (guint64) dims[0] * dims[1] * dims[2];
  if (dims[1] > NN_IDX_MAX_SIDE || dims[2] > NN_IDX_MAX_SIDE || dims[0] > NN_IDX_MAX_COUNT ||
      total > NN_IDX_MAX_BYTES)
    {
      g_set_error (error, NN_IDX_ERROR, NN_IDX_ERROR_TOO_LARGE,
                   "%s: declares %u images of %u×%u pixels, more than Digit Lab accepts",
                   r.name, dims[0], dims[1], dims[2]);
      goto out;
    }
  pixels = g_try_malloc (total);
  if (pixels == NULL)
    {
      g_set_error (error, NN_IDX_ERROR, NN_IDX_ERROR_TOO_LARGE,
                   "%s: not enough memory for %" G_GUINT64_FORMAT " bytes", r.name, total);
      goto out;
    }
  if (!reader_read (&r, pixels, total, "pixels", error) || !reader_expect_end (&r, error))
    {
      g_clear_pointer (&pixels, g_free);
      goto out;
    }
  *n_images = dims[0];
  *rows = dims[1];
  *cols = dims[2];
out:
  reader_close (&r);
  return g_steal_pointer (&pixels);
}

guint8 *
nn_idx_load_labels (const char  *path,
                    size_t      *n_labels,
                    GError     **error)
{
  Reader r = { 0 };
  guint32 dims[1];
  g_autofree guint8 *labels = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!reader_open (&r, path, error))
    return NULL;
  if (!read_header (&r, 1, "label", dims, error))
    goto out;
  if (dims[0] == 0 || dims[0] > NN_IDX_MAX_COUNT)
    {
      g_set_error (error, NN_IDX_ERROR, dims[0] == 0 ? NN_IDX_ERROR_BAD_DIMENSIONS
                                                     : NN_IDX_ERROR_TOO_LARGE,
                   "%s: declares %u labels", r.name, dims[0]);
      goto out;
    }
  labels = g_malloc (dims[0]);
  if (!reader_read (&r, labels, dims[0], "labels", error) || !reader_expect_end (&r, error))
    {
      g_clear_pointer (&labels, g_free);
      goto out;
    }
  *n_labels = dims[0];
out:
  reader_close (&r);
  return g_steal_pointer (&labels);
}

/* Writes header + payload to a temporary file beside path, then renames it into place. */
static gboolean
save_idx (const char    *path,
          guint          n_dims,
          const guint32 *dims,
          const guint8  *payload,
          guint64        size,
          GError       **error)
{
  g_autofree char *tmp = g_strdup_printf ("%s.XXXXXX", path);
  gboolean gz = g_str_has_suffix (path, ".gz");
  guint8 head[16] = { 0, 0, 0x08, (guint8) n_dims };
  gzFile out = NULL;
  int fd, saved;
  guint64 done = 0;

  for (guint d = 0; d < n_dims; d++)
    {
      head[4 + 4 * d] = (guint8) (dims[d] >> 24);
      head[5 + 4 * d] = (guint8) (dims[d] >> 16);
      head[6 + 4 * d] = (guint8) (dims[d] >> 8);
      head[7 + 4 * d] = (guint8) dims[d];
    }
  fd = g_mkstemp_full (tmp, O_WRONLY, 0644);
  if (fd < 0)
    {
      saved = errno;
      g_set_error (error, NN_IDX_ERROR, NN_IDX_ERROR_WRITE, "%s: cannot write (%s)", path,
                   g_strerror (saved));
      return FALSE;
    }
  out = gzdopen (fd, gz ? "wb6" : "wbT");
  if (out == NULL)
    {
      close (fd);
      goto fail;
    }
  if (gzwrite (out, head, 4 + 4 * n_dims) != (int) (4 + 4 * n_dims))
    goto fail;
  while (done < size)
    {
      unsigned chunk = (unsigned) MIN (size - done, (guint64) 1 << 30);

      if (gzwrite (out, payload + done, chunk) != (int) chunk)
        goto fail;
      done += chunk;
    }
  if (gzclose (out) != Z_OK)
    {
      out = NULL;
      goto fail;
    }
  out = NULL;
  if (g_rename (tmp, path) != 0)
    goto fail;
  return TRUE;

fail:
  saved = errno;
  if (out != NULL)
    gzclose (out);
  g_unlink (tmp);
  g_set_error (error, NN_IDX_ERROR, NN_IDX_ERROR_WRITE, "%s: cannot write (%s)", path,
               saved != 0 ? g_strerror (saved) : "write failed");
  return FALSE;
}

gboolean
nn_idx_save_images (const char    *path,
                    const guint8  *pixels,
                    size_t         n_images,
                    size_t         rows,
                    size_t         cols,
                    GError       **error)
{
  guint32 dims[3] = { (guint32) n_images, (guint32) rows, (guint32) cols };

  g_return_val_if_fail (path != NULL && (pixels != NULL || n_images == 0), FALSE);
  g_return_val_if_fail (n_images <= G_MAXUINT32 && rows <= G_MAXUINT32 && cols <= G_MAXUINT32,
                        FALSE);
  return save_idx (path, 3, dims, pixels, (guint64) n_images * rows * cols, error);
}

gboolean
nn_idx_save_labels (const char    *path,
                    const guint8  *labels,
                    size_t         n_labels,
                    GError       **error)
{
  guint32 dims[1] = { (guint32) n_labels };

  g_return_val_if_fail (path != NULL && (labels != NULL || n_labels == 0), FALSE);
  g_return_val_if_fail (n_labels <= G_MAXUINT32, FALSE);
  return save_idx (path, 1, dims, labels, n_labels, error);
}
