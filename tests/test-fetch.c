/* test-fetch.c: downloads from a local HTTP server — success, bad checksums, cut connections,
 * missing files, cancellation — never leave a partial file behind */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "dl-fetch-private.h"
#include "local-server.h"

typedef struct
{
  LocalServer   http;
  GHashTable   *files;         /* name → GBytes */
  gint          n_requests;
} Server;

static void
on_request (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  Server *s = user_data;
  g_auto(GStrv) parts = g_strsplit (path + 1, "/", 2);
  GBytes *body;

  g_atomic_int_inc (&s->n_requests);
  body = parts[0] != NULL && parts[1] != NULL ? g_hash_table_lookup (s->files, parts[1]) : NULL;
  if (body == NULL || g_strcmp0 (parts[0], "missing") == 0)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  if (g_strcmp0 (parts[0], "cut") == 0)
    {
      /* promise the whole file, send a tenth of it, hang up */
      GIOStream *conn = soup_server_message_steal_connection (msg);
      GOutputStream *out = g_io_stream_get_output_stream (conn);
      g_autofree char *head = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n",
                                               g_bytes_get_size (body));

      g_output_stream_write_all (out, head, strlen (head), NULL, NULL, NULL);
      g_output_stream_write_all (out, g_bytes_get_data (body, NULL), g_bytes_get_size (body) / 10,
                                 NULL, NULL, NULL);
      g_io_stream_close (conn, NULL, NULL);
      g_object_unref (conn);
      return;
    }
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/gzip", SOUP_MEMORY_COPY,
                                    g_bytes_get_data (body, NULL), g_bytes_get_size (body));
}

/* Fixture files: compressible bytes, a few hundred KiB each, so downloads take several reads. */
static Server *
server_start (DlFetchChecksum *table)
{
  Server *s = g_new0 (Server, 1);

  s->files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_bytes_unref);
  for (int i = 0; i < DL_FETCH_N_FILES; i++)
    {
      size_t n = 300000 + 1000 * i;
      guint8 *data = g_malloc (n);

      for (size_t k = 0; k < n; k++)
        data[k] = (guint8) ((k * 2654435761u) >> (i + 13));
      table[i].name = dl_fetch_mnist_checksums[i].name;
      table[i].gz_md5 = g_compute_checksum_for_data (G_CHECKSUM_MD5, data, n);
      table[i].raw_sha256 = "unused";
      g_hash_table_insert (s->files, g_strconcat (table[i].name, ".gz", NULL),
                           g_bytes_new_take (data, n));
    }
  local_server_start (&s->http, on_request, s);
  return s;
}

static void
server_stop (Server          *s,
             DlFetchChecksum *table)
{
  local_server_stop (&s->http);
  g_hash_table_unref (s->files);
  for (int i = 0; i < DL_FETCH_N_FILES; i++)
    g_free ((char *) table[i].gz_md5);
  g_free (s);
}

static char *
url (Server     *s,
     const char *folder)
{
  return g_strconcat (s->http.base, folder, "/", NULL);
}

/* Nothing but complete, verified files: no temporary or partial file in dir. */
static guint
count_files (const char *dir,
             gboolean    only_partial)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    if (!only_partial || g_str_has_prefix (name, ".download-") || g_str_has_suffix (name, ".part"))
      n++;
  return n;
}

static void
remove_dir (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_remove (path);
    }
  g_rmdir (dir);
}

typedef struct
{
  guint64       last_done;
  guint         n_calls;
  gboolean      monotonic;
  guint64       final_total;
  GCancellable *cancel_after_first;
} ProgressLog;

static void
on_progress (const DlFetchProgress *p,
             gpointer               user_data)
{
  ProgressLog *log = user_data;

  if (log->n_calls > 0 && p->bytes_done < log->last_done && p->bytes_done != 0)
    log->monotonic = FALSE;
  log->last_done = p->bytes_done;
  log->final_total = p->bytes_total;
  log->n_calls++;
  if (log->cancel_after_first != NULL && p->bytes_done > 0)
    g_cancellable_cancel (log->cancel_after_first);
}

static void
test_fetch_success_and_cache (void)
{
  DlFetchChecksum table[DL_FETCH_N_FILES];
  Server *s = server_start (table);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("digit-lab-fetch-XXXXXX", &error);
  g_autofree char *ok = url (s, "ok");
  const char *mirrors[] = { ok, NULL };
  ProgressLog log = { .monotonic = TRUE };
  gint before;

  g_assert_true (dl_fetch_mnist_full (dir, mirrors, table, FALSE, on_progress, &log, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_files (dir, FALSE), ==, 4);
  g_assert_true (dl_fetch_verify_dir_full (dir, table, NULL));
  g_assert_true (log.monotonic);
  g_assert_cmpuint (log.last_done, ==, log.final_total);
  g_assert_cmpuint (log.final_total, ==, 303000);

  /* already there and verified: no request at all */
  before = g_atomic_int_get (&s->n_requests);
  g_assert_true (dl_fetch_mnist_full (dir, mirrors, table, FALSE, NULL, NULL, NULL, &error));
  g_assert_cmpint (g_atomic_int_get (&s->n_requests), ==, before);
  remove_dir (dir);
  server_stop (s, table);
}

static void
test_fetch_fallback_after_404 (void)
{
  DlFetchChecksum table[DL_FETCH_N_FILES];
  Server *s = server_start (table);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("digit-lab-fetch-XXXXXX", &error);
  g_autofree char *missing = url (s, "missing");
  g_autofree char *ok = url (s, "ok");
  const char *mirrors[] = { missing, ok, NULL };

  g_assert_true (dl_fetch_mnist_full (dir, mirrors, table, FALSE, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_files (dir, FALSE), ==, 4);
  remove_dir (dir);
  server_stop (s, table);
}

static void
test_fetch_bad_checksum (void)
{
  DlFetchChecksum table[DL_FETCH_N_FILES];
  Server *s = server_start (table);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("digit-lab-fetch-XXXXXX", &error);
  g_autofree char *ok = url (s, "ok");
  const char *mirrors[] = { ok, NULL };
  char *saved = (char *) table[2].gz_md5;

  table[2].gz_md5 = "00000000000000000000000000000000";
  g_assert_false (dl_fetch_mnist_full (dir, mirrors, table, FALSE, NULL, NULL, NULL, &error));
  /* damaged files are told apart from a source that could not be reached */
  g_assert_error (error, DL_FETCH_ERROR, DL_FETCH_ERROR_CHECKSUM);
  g_assert_nonnull (strstr (error->message, "wrong checksum"));
  g_assert_cmpuint (count_files (dir, TRUE), ==, 0);
  /* the two good files before it are kept; the bad one is not there */
  g_assert_cmpuint (count_files (dir, FALSE), ==, 2);
  table[2].gz_md5 = saved;
  remove_dir (dir);
  server_stop (s, table);
}

static void
test_fetch_cut_connection (void)
{
  DlFetchChecksum table[DL_FETCH_N_FILES];
  Server *s = server_start (table);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("digit-lab-fetch-XXXXXX", &error);
  g_autofree char *cut = url (s, "cut");
  const char *mirrors[] = { cut, NULL };

  g_assert_false (dl_fetch_mnist_full (dir, mirrors, table, FALSE, NULL, NULL, NULL, &error));
  /* a connection that breaks is not damaged data */
  g_assert_error (error, DL_FETCH_ERROR, DL_FETCH_ERROR_FAILED);
  g_assert_cmpuint (count_files (dir, FALSE), ==, 0);
  remove_dir (dir);
  server_stop (s, table);
}

static void
test_fetch_cancel (void)
{
  DlFetchChecksum table[DL_FETCH_N_FILES];
  Server *s = server_start (table);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("digit-lab-fetch-XXXXXX", &error);
  g_autofree char *ok = url (s, "ok");
  const char *mirrors[] = { ok, NULL };
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  ProgressLog log = { .monotonic = TRUE, .cancel_after_first = cancellable };

  g_assert_false (dl_fetch_mnist_full (dir, mirrors, table, FALSE, on_progress, &log, cancellable,
                                       &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (count_files (dir, FALSE), ==, 0);
  remove_dir (dir);
  server_stop (s, table);
}

static void
test_fetch_default_dir (void)
{
  g_autofree char *dir = NULL;

  g_setenv ("DIGIT_LAB_DATA_DIR", "/some/where", TRUE);
  dir = dl_fetch_get_default_dir ();
  g_assert_cmpstr (dir, ==, "/some/where");
  g_unsetenv ("DIGIT_LAB_DATA_DIR");
  g_clear_pointer (&dir, g_free);
  dir = dl_fetch_get_default_dir ();
  g_assert_true (g_str_has_suffix (dir, "/digit-lab/mnist"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/fetch/default-dir", test_fetch_default_dir);
  g_test_add_func ("/fetch/success-and-cache", test_fetch_success_and_cache);
  g_test_add_func ("/fetch/fallback-after-404", test_fetch_fallback_after_404);
  g_test_add_func ("/fetch/bad-checksum", test_fetch_bad_checksum);
  g_test_add_func ("/fetch/cut-connection", test_fetch_cut_connection);
  g_test_add_func ("/fetch/cancel", test_fetch_cancel);
  return g_test_run ();
}
