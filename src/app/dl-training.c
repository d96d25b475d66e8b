/* dl-training.c: the engine's hooks copy numbers into snapshots posted to the main context */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "dl-post.h"
#include "dl-training.h"

#include "nn-run-store.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gi18n.h>
#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

struct _DlTraining
{
  GObject          parent_instance;

  GMainContext    *main_context;
  GThread         *thread;
  NnTrainer       *trainer;       /* the worker's while running; ours afterwards */
  NnTrainConfig   *new_config;    /* the worker's: the recipe of a new run, whose trainer it
                                   * builds (the images' statistics grow with the dataset) */

  GMutex           lock;
  GCond            resume;
  gboolean         paused;        /* guarded by lock */
  gboolean         stop;          /* guarded by lock */

  gboolean         running;

  NnRunStore      *store;         /* opened at the first run; NULL when it cannot be */
  const NnDataset *dataset;       /* the run's, for its recorder; borrowed while running */
  char            *run_id;        /* the run being recorded or recorded last; NULL: none */
  char            *run_dir;
  char            *store_error;   /* why the store could not be opened */

  guint64          filters_step;  /* the worker's: when it last took the first filters */
  gboolean         filters_taken; /* the worker's: whether it has this run */
  DlTrainingFilters *filters;     /* the last ones posted, on the main thread; or NULL */
};

G_DEFINE_FINAL_TYPE (DlTraining, dl_training, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_RUNNING,
  PROP_PAUSED,
  PROP_RUN_ID,
  N_PROPS
};

enum
{
  PROGRESS,
  EPOCH_FINISHED,
  FINISHED,
  FAILED,
  RECORDING,
  RECORD_FAILED,
  FILTERS,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

typedef struct
{
  DlTraining      *self;          /* a reference */
  int              kind;          /* a signal index */
  NnTrainProgress  progress;
  NnEpochStats     stats;
  gboolean         stopped;
  char            *message;
  char            *run_id;        /* RECORDING */
  char            *run_dir;
  DlTrainingFilters *filters;     /* FILTERS */
} Snapshot;

static void
filters_free (DlTrainingFilters *filters)
{
  if (filters == NULL)
    return;
  g_free (filters->weights);
  g_free (filters);
}

static void
snapshot_free (gpointer data)
{
  Snapshot *s = data;

  g_object_unref (s->self);
  filters_free (s->filters);
  g_free (s->message);
  g_free (s->run_id);
  g_free (s->run_dir);
  g_free (s);
}

static void
set_running (DlTraining *self,
             gboolean    running)
{
  if (self->running == running)
    return;
  self->running = running;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

/* Runs on the main thread: only here are signals emitted and properties changed. */
static gboolean
apply_snapshot (gpointer data)
{
  Snapshot *s = data;
  DlTraining *self = s->self;

  switch (s->kind)
    {
    case PROGRESS:
      g_signal_emit (self, signals[PROGRESS], 0, &s->progress);
      break;
    case EPOCH_FINISHED:
      g_debug ("epoch %u: %.3f s of training, %.1f images/s", s->stats.epoch, s->stats.seconds,
               s->stats.samples_per_second);
      g_signal_emit (self, signals[EPOCH_FINISHED], 0, &s->stats);
      break;
    case RECORDING:
      g_free (self->run_dir);
      self->run_dir = g_steal_pointer (&s->run_dir);
      if (g_strcmp0 (self->run_id, s->run_id) != 0)
        {
          g_free (self->run_id);
          self->run_id = g_steal_pointer (&s->run_id);
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUN_ID]);
        }
      g_signal_emit (self, signals[RECORDING], 0, self->run_id);
      break;
    case RECORD_FAILED:
      /* the run's folder is not this run's record: its model is not the one trained */
      g_clear_pointer (&self->run_dir, g_free);
      if (self->run_id != NULL)
        {
          g_clear_pointer (&self->run_id, g_free);
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUN_ID]);
        }
      g_signal_emit (self, signals[RECORD_FAILED], 0, s->message);
      break;
    case FILTERS:
      /* a snapshot that arrives after the run ended belongs to no run any more */
      if (!self->running)
        break;
      filters_free (self->filters);
      self->filters = g_steal_pointer (&s->filters);
      g_signal_emit (self, signals[FILTERS], 0, self->filters);
      break;
    case FINISHED:
    case FAILED:
      /* dispose may have joined the worker already */
      if (self->thread != NULL)
        g_thread_join (self->thread);
      self->thread = NULL;
      g_debug ("training finished");
      g_clear_pointer (&self->filters, filters_free);
      set_running (self, FALSE);
      dl_training_set_paused (self, FALSE);
      if (s->kind == FINISHED)
        g_signal_emit (self, signals[FINISHED], 0, s->stopped);
      else
        g_signal_emit (self, signals[FAILED], 0, s->message);
      break;
    default:
      break;
    }
  return G_SOURCE_REMOVE;
}

static void
post (DlTraining *self,
      Snapshot   *s)
{
  s->self = g_object_ref (self);
  dl_post_to_main_context (self->main_context, apply_snapshot, s,
                           snapshot_free);
}

/* On the worker, between batches, where it alone owns the network: a copy of the first
 * convolution's weights (a few hundred floats) every DL_TRAINING_FILTERS_EVERY batches, so
 * the Inside page can show them as they learn without touching the network. */
static void
take_filters (DlTraining            *self,
              const NnTrainProgress *progress)
{
  NnNetwork *net;
  const NnLayer *conv = NULL;
  Snapshot *s;

  if (self->filters_taken && progress->step < self->filters_step + DL_TRAINING_FILTERS_EVERY)
    return;
  net = nn_trainer_get_network (self->trainer);
  for (size_t i = 0; i < nn_network_get_n_layers (net) && conv == NULL; i++)
    if (nn_network_get_layer (net, i)->spec.kind == NN_LAYER_CONV2D)
      conv = nn_network_get_layer (net, i);
  self->filters_taken = TRUE;
  self->filters_step = progress->step;
  if (conv == NULL)
    return;
  s = g_new0 (Snapshot, 1);
  s->kind = FILTERS;
  s->filters = g_new0 (DlTrainingFilters, 1);
  s->filters->weights = g_memdup2 (nn_network_get_params (net) + conv->weight_offset,
                                   conv->n_weight * sizeof (float));
  s->filters->out_c = conv->out_c;
  s->filters->in_c = conv->in_c;
  s->filters->kernel = conv->spec.kernel;
  s->filters->step = progress->step;
  s->filters->epoch = progress->epoch;
  post (self, s);
}

static void
on_progress (const NnTrainProgress *progress,
             gpointer               user_data)
{
  Snapshot *s = g_new0 (Snapshot, 1);

  take_filters (user_data, progress);
  s->kind = PROGRESS;
  s->progress = *progress;
  post (user_data, s);
}

static void
on_epoch_finished (const NnEpochStats *stats,
                   gpointer            user_data)
{
  Snapshot *s = g_new0 (Snapshot, 1);

  s->kind = EPOCH_FINISHED;
  s->stats = *stats;
  post (user_data, s);
}

/* Between batches: waits while paused, then says whether to stop. */
static gboolean
on_should_stop (gpointer user_data)
{
  DlTraining *self = user_data;
  gboolean stop;

  g_mutex_lock (&self->lock);
  while (self->paused && !self->stop)
    g_cond_wait (&self->resume, &self->lock);
  stop = self->stop;
  g_mutex_unlock (&self->lock);
  return stop;
}

/* Training takes every core it can; drawing the window must still come first. On Linux the nice
 * value belongs to the thread, and the engine's worker threads, started from this one, inherit
 * it. */
static void
lower_thread_priority (void)
{
#ifdef __linux__
  if (setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), 10) != 0)
    g_debug ("the training thread keeps its priority: %s", g_strerror (errno));
#endif
}

static void
config_free (NnTrainConfig *config)
{
  nn_train_config_clear (config);
  g_free (config);
}

static gpointer
training_worker (gpointer data)
{
  DlTraining *self = data;
  NnTrainHooks hooks = { on_progress, on_epoch_finished, on_should_stop, self };
  g_autoptr(GError) error = NULL;
  Snapshot *s = g_new0 (Snapshot, 1);

  lower_thread_priority ();

  /* a new run's trainer: the split, the training images' mean and deviation, the network */
  if (self->new_config != NULL)
    {
      self->trainer = nn_trainer_new (self->new_config, self->dataset, &error);
      g_clear_pointer (&self->new_config, config_free);
      if (self->trainer == NULL)
        {
          s->kind = FAILED;
          s->message = g_strdup (error->message);
          post (self, s);
          return NULL;
        }
    }

  /* the recorder hashes the dataset's files: here, not on the main thread. A run that cannot be
   * recorded still trains; the page says it is not kept. */
  if (nn_trainer_get_recorder (self->trainer) == NULL)
    {
      NnRunRecorder *recorder = NULL;

      if (self->store == NULL)
        g_set_error (&error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", self->store_error);
      else
        recorder = nn_run_recorder_new (self->store, self->trainer, self->dataset, NULL, &error);

      if (recorder != NULL)
        nn_trainer_set_recorder (self->trainer, recorder);
      else
        {
          Snapshot *r = g_new0 (Snapshot, 1);

          r->kind = RECORD_FAILED;
          r->message = g_strdup (error->message);
          post (self, r);
          g_clear_error (&error);
        }
    }
  if (nn_trainer_get_recorder (self->trainer) != NULL)
    {
      Snapshot *r = g_new0 (Snapshot, 1);

      r->kind = RECORDING;
      r->run_id = g_strdup (nn_run_recorder_get_id (nn_trainer_get_recorder (self->trainer)));
      r->run_dir = g_strdup (nn_run_recorder_get_dir (nn_trainer_get_recorder (self->trainer)));
      post (self, r);
    }

  for (;;)
    {
      if (nn_trainer_run (self->trainer, &hooks, &s->stopped, &error))
        {
          s->kind = FINISHED;
          break;
        }
      /* the record could not be written (a full disk, a folder gone): the run goes on
       * unrecorded from the epoch it reached, and the page says so */
      if (g_error_matches (error, NN_TRAINER_ERROR, NN_TRAINER_ERROR_RECORD_WRITE) &&
          nn_trainer_get_recorder (self->trainer) != NULL)
        {
          Snapshot *r = g_new0 (Snapshot, 1);

          r->kind = RECORD_FAILED;
          r->message = g_strdup (error->message);
          post (self, r);
          nn_trainer_set_recorder (self->trainer, NULL);
          g_clear_error (&error);
          if (s->stopped)
            {
              s->kind = FINISHED;
              break;
            }
          continue;
        }
      s->kind = FAILED;
      s->message = g_strdup (error->message);
      break;
    }
  post (self, s);
  return NULL;
}

static gboolean start_worker (DlTraining      *self,
                              const NnDataset *dataset);

static NnRunStore *
ensure_store (DlTraining  *self,
              GError     **error)
{
  if (self->store == NULL)
    self->store = nn_run_store_new (NULL, error);
  return self->store;
}

gboolean
dl_training_start (DlTraining          *self,
                   const NnTrainConfig *config,
                   const NnDataset     *dataset,
                   GError             **error)
{
  g_return_val_if_fail (DL_IS_TRAINING (self), FALSE);
  g_return_val_if_fail (!self->running, FALSE);

  if (self->store == NULL)
    {
      g_autoptr(GError) local = NULL;

      g_clear_pointer (&self->store_error, g_free);
      if (ensure_store (self, &local) == NULL)
        self->store_error = g_strdup (local->message);
    }
  /* what can be told at once is; the rest the worker finds while it builds the trainer */
  if (!nn_train_config_check (config, dataset->train != NULL ? dataset->train->n_images : 0,
                              error))
    {
      g_prefix_error (error, "Cannot train: ");
      return FALSE;
    }
  {
    g_autoptr(NnSpec) spec = nn_spec_parse (config->spec, error);

    if (spec == NULL)
      return FALSE;
  }
  g_clear_pointer (&self->trainer, nn_trainer_free);
  self->new_config = g_new (NnTrainConfig, 1);
  *self->new_config = *config;
  self->new_config->spec = g_strdup (config->spec);
  self->new_config->checkpoint_path = g_strdup (config->checkpoint_path);
  return start_worker (self, dataset);
}

/* The trainer is set; the worker records it (when it has no recorder yet) and runs it. */
static gboolean
start_worker (DlTraining      *self,
              const NnDataset *dataset)
{
  self->dataset = dataset;
  self->filters_taken = FALSE;
  self->filters_step = 0;
  g_mutex_lock (&self->lock);
  self->stop = FALSE;
  self->paused = FALSE;
  g_mutex_unlock (&self->lock);
  g_debug ("training started");
  set_running (self, TRUE);
  self->thread = g_thread_new ("digit-lab-training", training_worker, self);
  return TRUE;
}

gboolean
dl_training_resume_run (DlTraining      *self,
                        const char      *run_id,
                        const NnDataset *dataset,
                        GError         **error)
{
  NnTrainer *trainer;

  g_return_val_if_fail (DL_IS_TRAINING (self), FALSE);
  g_return_val_if_fail (run_id != NULL && dataset != NULL, FALSE);

  if (self->running)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY, _("A training run is in progress"));
      return FALSE;
    }
  if (ensure_store (self, error) == NULL)
    return FALSE;
  trainer = nn_run_store_resume (self->store, run_id, dataset, 0, error);
  if (trainer == NULL)
    return FALSE;
  g_clear_pointer (&self->trainer, nn_trainer_free);
  self->trainer = trainer;
  return start_worker (self, dataset);
}

NnRunStore *
dl_training_get_run_store (DlTraining  *self,
                           GError     **error)
{
  g_return_val_if_fail (DL_IS_TRAINING (self), NULL);
  return ensure_store (self, error);
}

const char *
dl_training_get_run_id (DlTraining *self)
{
  g_return_val_if_fail (DL_IS_TRAINING (self), NULL);
  return self->run_id;
}

char *
dl_training_dup_run_model_dir (DlTraining *self)
{
  g_return_val_if_fail (DL_IS_TRAINING (self), NULL);
  return self->run_dir != NULL ? g_build_filename (self->run_dir, NN_RUN_MODEL_DIR, NULL) : NULL;
}

void
dl_training_set_paused (DlTraining *self,
                        gboolean    paused)
{
  gboolean changed;

  g_return_if_fail (DL_IS_TRAINING (self));

  g_mutex_lock (&self->lock);
  changed = self->paused != paused;
  self->paused = paused;
  g_cond_broadcast (&self->resume);
  g_mutex_unlock (&self->lock);
  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAUSED]);
}

gboolean
dl_training_get_paused (DlTraining *self)
{
  gboolean paused;

  g_mutex_lock (&self->lock);
  paused = self->paused;
  g_mutex_unlock (&self->lock);
  return paused;
}

void
dl_training_stop (DlTraining *self)
{
  g_return_if_fail (DL_IS_TRAINING (self));

  g_mutex_lock (&self->lock);
  self->stop = TRUE;
  g_cond_broadcast (&self->resume);
  g_mutex_unlock (&self->lock);
}

gboolean
dl_training_get_running (DlTraining *self)
{
  g_return_val_if_fail (DL_IS_TRAINING (self), FALSE);
  return self->running;
}

/* Only between runs: while one runs, the worker owns the trainer. */
guint
dl_training_get_epochs_done (DlTraining *self)
{
  g_return_val_if_fail (DL_IS_TRAINING (self), 0);
  g_return_val_if_fail (!self->running, 0);

  return self->trainer != NULL ? nn_trainer_get_epochs_done (self->trainer) : 0;
}

const DlTrainingFilters *
dl_training_get_filters (DlTraining *self)
{
  g_return_val_if_fail (DL_IS_TRAINING (self), NULL);
  return self->filters;
}

NnModel *
dl_training_dup_model (DlTraining  *self,
                       GError     **error)
{
  g_return_val_if_fail (DL_IS_TRAINING (self), NULL);
  g_return_val_if_fail (!self->running, NULL);

  if (self->trainer == NULL || nn_trainer_get_best_params (self->trainer, NULL) == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("No epoch has finished yet, so there is no model"));
      return NULL;
    }
  return nn_trainer_dup_best_model (self->trainer, 1, error);
}

static void
dl_training_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  DlTraining *self = DL_TRAINING (object);

  switch (prop_id)
    {
    case PROP_RUNNING:
      g_value_set_boolean (value, self->running);
      break;
    case PROP_PAUSED:
      g_value_set_boolean (value, dl_training_get_paused (self));
      break;
    case PROP_RUN_ID:
      g_value_set_string (value, self->run_id);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_training_dispose (GObject *object)
{
  DlTraining *self = DL_TRAINING (object);

  /* the worker holds no reference of its own: stop it and wait, so no snapshot outlives us */
  if (self->thread != NULL)
    {
      dl_training_stop (self);
      g_thread_join (self->thread);
      self->thread = NULL;
    }
  G_OBJECT_CLASS (dl_training_parent_class)->dispose (object);
}

static void
dl_training_finalize (GObject *object)
{
  DlTraining *self = DL_TRAINING (object);

  g_clear_pointer (&self->trainer, nn_trainer_free);
  g_clear_pointer (&self->new_config, config_free);
  g_clear_pointer (&self->store, nn_run_store_free);
  g_free (self->run_id);
  g_free (self->run_dir);
  g_free (self->store_error);
  filters_free (self->filters);
  g_main_context_unref (self->main_context);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->resume);
  G_OBJECT_CLASS (dl_training_parent_class)->finalize (object);
}

static void
dl_training_class_init (DlTrainingClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = dl_training_get_property;
  object_class->dispose = dl_training_dispose;
  object_class->finalize = dl_training_finalize;

  properties[PROP_RUNNING] = g_param_spec_boolean ("running", NULL, NULL, FALSE,
                                                   G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY |
                                                   G_PARAM_STATIC_STRINGS);
  properties[PROP_PAUSED] = g_param_spec_boolean ("paused", NULL, NULL, FALSE,
                                                  G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY |
                                                  G_PARAM_STATIC_STRINGS);
  properties[PROP_RUN_ID] = g_param_spec_string ("run-id", NULL, NULL, NULL,
                                                 G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY |
                                                 G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[PROGRESS] = g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                    NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[EPOCH_FINISHED] = g_signal_new ("epoch-finished", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                                          G_TYPE_POINTER);
  signals[FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                    NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
  signals[FAILED] = g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[RECORDING] = g_signal_new ("recording", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                     0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* the first convolution's weights as they learn (a DlTrainingFilters *), a few times an epoch */
  signals[FILTERS] = g_signal_new ("filters", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[RECORD_FAILED] = g_signal_new ("record-failed", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                                         G_TYPE_STRING);
}

static void
dl_training_init (DlTraining *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->resume);
  self->main_context = g_main_context_ref_thread_default ();
}

DlTraining *
dl_training_new (void)
{
  return g_object_new (DL_TYPE_TRAINING, NULL);
}
