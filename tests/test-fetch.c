/* test-fetch.c: downloads from a local HTTP server — success, bad checksums, cut connections,
 * missing files, cancellation — never leave a partial file behind */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "dl-fetch-private.h"

typedef struct
{
  GThread      *thread;
  GMainLoop    *loop;
  GMainContext *context;
  SoupServer   *server;
  char         *base;          /* http://127.0.0.1:PORT/ */
  GHashTable   *files;         /* name → GBytes */
  gint          n_requests;
  GMutex        lock;
  GCond         ready;
  gboolean      started;
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

static gpointer
server_thread (gpointer data)
{
  Server *s = data;
  g_autoptr(GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (s->context);
  s->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (s->server, NULL, on_request, s, NULL);
  g_assert_true (soup_server_listen_local (s->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (s->server);
  s->base = g_uri_to_string (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_mutex_lock (&s->lock);
  s->started = TRUE;
  g_cond_signal (&s->ready);
  g_mutex_unlock (&s->lock);

  g_main_loop_run (s->loop);
  g_clear_object (&s->server);
  g_main_context_pop_thread_default (s->context);
  return NULL;
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
  g_mutex_init (&s->lock);
  g_cond_init (&s->ready);
  s->context = g_main_context_new ();
  s->loop = g_main_loop_new (s->context, FALSE);
  s->thread = g_thread_new ("test-server", server_thread, s);
  g_mutex_lock (&s->lock);
  while (!s->started)
    g_cond_wait (&s->ready, &s->lock);
  g_mutex_unlock (&s->lock);
  return s;
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static void
server_stop (Server          *s,
             DlFetchChecksum *table)
{
  g_main_context_invoke (s->context, quit_loop, s->loop);
  g_thread_join (s->thread);
  g_main_loop_unref (s->loop);
  g_main_context_unref (s->context);
  g_hash_table_unref (s->files);
  g_free (s->base);
  for (int i = 0; i < DL_FETCH_N_FILES; i++)
    g_free ((char *) table[i].gz_md5);
  g_free (s);
}

static char *
url (Server     *s,
     const char *folder)
{
  return g_strconcat (s->base, folder, "/", NULL);
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
  g_assert_error (error, DL_FETCH_ERROR, DL_FETCH_ERROR_FAILED);
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
  g_assert_nonnull (error);
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
