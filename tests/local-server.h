/* local-server.h: an HTTP server on 127.0.0.1 in a thread of its own, for the download tests */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <libsoup/soup.h>

typedef struct
{
  GThread            *thread;
  GMainLoop          *loop;
  GMainContext       *context;
  SoupServer         *server;
  char               *base;        /* http://127.0.0.1:PORT/ */
  SoupServerCallback  handler;
  gpointer            handler_data;
  GMutex              lock;
  GCond               ready;
  gboolean            started;
} LocalServer;

static gpointer
local_server_thread (gpointer data)
{
  LocalServer *ls = data;
  g_autoptr(GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (ls->context);
  ls->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (ls->server, NULL, ls->handler, ls->handler_data, NULL);
  g_assert_true (soup_server_listen_local (ls->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (ls->server);
  ls->base = g_uri_to_string (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_mutex_lock (&ls->lock);
  ls->started = TRUE;
  g_cond_signal (&ls->ready);
  g_mutex_unlock (&ls->lock);

  g_main_loop_run (ls->loop);
  g_clear_object (&ls->server);
  g_main_context_pop_thread_default (ls->context);
  return NULL;
}

/* Starts serving on a free loopback port; handler runs in the server's thread. */
static void
local_server_start (LocalServer        *ls,
                    SoupServerCallback  handler,
                    gpointer            handler_data)
{
  ls->handler = handler;
  ls->handler_data = handler_data;
  g_mutex_init (&ls->lock);
  g_cond_init (&ls->ready);
  ls->context = g_main_context_new ();
  ls->loop = g_main_loop_new (ls->context, FALSE);
  ls->thread = g_thread_new ("local-server", local_server_thread, ls);
  g_mutex_lock (&ls->lock);
  while (!ls->started)
    g_cond_wait (&ls->ready, &ls->lock);
  g_mutex_unlock (&ls->lock);
  g_assert_true (g_str_has_prefix (ls->base, "http://127.0.0.1:"));
}

static gboolean
local_server_quit (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

static void
local_server_stop (LocalServer *ls)
{
  g_main_context_invoke (ls->context, local_server_quit, ls->loop);
  g_thread_join (ls->thread);
  g_main_loop_unref (ls->loop);
  g_main_context_unref (ls->context);
  g_mutex_clear (&ls->lock);
  g_cond_clear (&ls->ready);
  g_clear_pointer (&ls->base, g_free);
}
