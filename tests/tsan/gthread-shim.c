/* gthread-shim.c: GMutex and GCond over pthreads, for ThreadSanitizer builds only */
/* SPDX-License-Identifier: GPL-3.0-or-later */
/* GLib implements GMutex and GCond with futexes inside the (uninstrumented) library, so
 * ThreadSanitizer sees neither the locking nor the waits: it would report every access guarded
 * by them as a race, or lose real ones. Linked into the executable ahead of GLib, these
 * definitions take the engine's calls instead, and TSan intercepts the pthread calls they make.
 * Like GLib's own pthread build, each GMutex/GCond holds a pointer to its pthread object, made on
 * first use, so statically zeroed ones work too. GRecMutex, GRWLock and GLib's internal locks are
 * not replaced: the engine does not use them. */
#include <errno.h>
#include <glib.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static void
shim_fail (const char *what,
           int         status)
{
  fprintf (stderr, "gthread-shim: %s failed (%d)\n", what, status);
  abort ();
}

static pthread_mutex_t *
mutex_impl (GMutex *mutex)
{
  pthread_mutex_t *impl = __atomic_load_n ((pthread_mutex_t **) &mutex->p, __ATOMIC_ACQUIRE);

  if (impl == NULL)
    {
      pthread_mutex_t *fresh = malloc (sizeof *fresh), *expected = NULL;
      int status;

      if (fresh == NULL)
        shim_fail ("malloc", ENOMEM);
      if ((status = pthread_mutex_init (fresh, NULL)) != 0)
        shim_fail ("pthread_mutex_init", status);
      if (__atomic_compare_exchange_n ((pthread_mutex_t **) &mutex->p, &expected, fresh, FALSE,
                                       __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        impl = fresh;
      else
        {
          pthread_mutex_destroy (fresh);
          free (fresh);
          impl = expected;
        }
    }
  return impl;
}

void
g_mutex_init (GMutex *mutex)
{
  mutex->p = NULL;
  (void) mutex_impl (mutex);
}

void
g_mutex_clear (GMutex *mutex)
{
  pthread_mutex_t *impl = mutex->p;

  if (impl != NULL)
    {
      pthread_mutex_destroy (impl);
      free (impl);
      mutex->p = NULL;
    }
}

void
g_mutex_lock (GMutex *mutex)
{
  int status = pthread_mutex_lock (mutex_impl (mutex));

  if (status != 0)
    shim_fail ("pthread_mutex_lock", status);
}

void
g_mutex_unlock (GMutex *mutex)
{
  int status = pthread_mutex_unlock (mutex_impl (mutex));

  if (status != 0)
    shim_fail ("pthread_mutex_unlock", status);
}

gboolean
g_mutex_trylock (GMutex *mutex)
{
  int status = pthread_mutex_trylock (mutex_impl (mutex));

  if (status != 0 && status != EBUSY)
    shim_fail ("pthread_mutex_trylock", status);
  return status == 0;
}

static pthread_cond_t *
cond_impl (GCond *cond)
{
  pthread_cond_t *impl = __atomic_load_n ((pthread_cond_t **) &cond->p, __ATOMIC_ACQUIRE);

  if (impl == NULL)
    {
      pthread_cond_t *fresh = malloc (sizeof *fresh), *expected = NULL;
      pthread_condattr_t attr;
      int status;

      if (fresh == NULL)
        shim_fail ("malloc", ENOMEM);
      pthread_condattr_init (&attr);
      pthread_condattr_setclock (&attr, CLOCK_MONOTONIC);   /* g_cond_wait_until's clock */
      if ((status = pthread_cond_init (fresh, &attr)) != 0)
        shim_fail ("pthread_cond_init", status);
      pthread_condattr_destroy (&attr);
      if (__atomic_compare_exchange_n ((pthread_cond_t **) &cond->p, &expected, fresh, FALSE,
                                       __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        impl = fresh;
      else
        {
          pthread_cond_destroy (fresh);
          free (fresh);
          impl = expected;
        }
    }
  return impl;
}

void
g_cond_init (GCond *cond)
{
  cond->p = NULL;
  (void) cond_impl (cond);
}

void
g_cond_clear (GCond *cond)
{
  pthread_cond_t *impl = cond->p;

  if (impl != NULL)
    {
      pthread_cond_destroy (impl);
      free (impl);
      cond->p = NULL;
    }
}

void
g_cond_wait (GCond  *cond,
             GMutex *mutex)
{
  int status = pthread_cond_wait (cond_impl (cond), mutex_impl (mutex));

  if (status != 0)
    shim_fail ("pthread_cond_wait", status);
}

gboolean
g_cond_wait_until (GCond  *cond,
                   GMutex *mutex,
                   gint64  end_time)
{
  struct timespec ts = { .tv_sec = end_time / 1000000, .tv_nsec = (end_time % 1000000) * 1000 };
  int status = pthread_cond_timedwait (cond_impl (cond), mutex_impl (mutex), &ts);

  if (status != 0 && status != ETIMEDOUT)
    shim_fail ("pthread_cond_timedwait", status);
  return status == 0;
}

void
g_cond_signal (GCond *cond)
{
  int status = pthread_cond_signal (cond_impl (cond));

  if (status != 0)
    shim_fail ("pthread_cond_signal", status);
}

void
g_cond_broadcast (GCond *cond)
{
  int status = pthread_cond_broadcast (cond_impl (cond));

  if (status != 0)
    shim_fail ("pthread_cond_broadcast", status);
}
