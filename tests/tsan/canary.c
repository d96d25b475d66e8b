/* canary.c: proof that the TSan build sees what it should — a real race is reported, and data
 * handed over under GMutex/GCond (through the shim) is not */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <glib.h>
#include <string.h>

typedef struct
{
  GMutex   mutex;
  GCond    cond;
  gboolean ready;
  gboolean locked;
  guint64  value;      /* plain memory, written by one thread and read by the other */
} Shared;

static gpointer
writer (gpointer data)
{
  Shared *s = data;

  s->value = 42;
  if (s->locked)
    {
      g_mutex_lock (&s->mutex);
      s->ready = TRUE;
      g_cond_signal (&s->cond);
      g_mutex_unlock (&s->mutex);
    }
  return NULL;
}

int
main (int    argc,
      char **argv)
{
  g_autofree Shared *shared = g_new0 (Shared, 1);
  Shared *s = shared;
  GThread *thread;
  guint64 seen;

  s->locked = argc > 1 && strcmp (argv[1], "locked") == 0;
  g_mutex_init (&s->mutex);
  g_cond_init (&s->cond);
  thread = g_thread_new ("canary", writer, s);
  if (s->locked)
    {
      g_mutex_lock (&s->mutex);
      while (!s->ready)
        g_cond_wait (&s->cond, &s->mutex);
      g_mutex_unlock (&s->mutex);
    }
  else
    g_usleep (100000);   /* lets the writer go first, without ordering it */
  seen = s->value;
  /* in the locked mode the join must not be what orders the accesses */
  g_thread_join (thread);
  g_mutex_clear (&s->mutex);
  g_cond_clear (&s->cond);
  return seen == 42 ? 0 : 1;
}
