/* dl-post.h: hand a function to a main context's thread, from any thread */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Runs function (data) later on the thread that iterates context (NULL: the global default
 * one), then destroy (data) there. Unlike g_main_context_invoke_full (), it never runs function
 * on the calling thread: that one calls it at once when the caller can acquire the context, as
 * a worker can while the main thread is between iterations — and a worker running the main
 * thread's code could join itself or race the widgets. */
static inline void
dl_post_to_main_context (GMainContext   *context,
                         GSourceFunc     function,
                         gpointer        data,
                         GDestroyNotify  destroy)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, function, data, destroy);
  g_source_set_static_name (source, "[digit-lab] posted from a worker");
  g_source_attach (source, context);
  g_source_unref (source);
}

G_END_DECLS
