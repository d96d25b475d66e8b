/* nn-trainer.c: epochs of seeded shuffling, rotation, normalisation and data-parallel steps */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "nn-trainer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn-augment.h"
#include "nn-checkpoint.h"
#include "nn-cpu.h"
#include "nn-run-store.h"

G_DEFINE_QUARK (nn-trainer-error-quark, nn_trainer_error)

struct _NnTrainer
{
  NnTrainConfig    config;
  const NnDataset *dataset;         /* borrowed; must outlive the trainer */
  NnNetwork       *net;
  NnOptimizer     *opt;
  NnNormalisation  norm;

  guint32         *train_idx;       /* (n_train) indices into the training file */
  size_t           n_train;
  guint32         *val_idx;         /* (n_val) */
  size_t           n_val;

  NnRng            rng;             /* drives shuffling and augmentation; saved in checkpoints */
  guint            epochs_done;
  GArray          *history;         /* NnEpochStats */
  float           *best_params;     /* (n_params) or NULL */
  guint            best_epoch;
  double           best_val_accuracy;
  double           best_val_loss;

  /* batch buffers, sized once */
  guint32         *order;           /* (n_train) */
  float           *x;               /* (batch, 1, rows, cols) */
  guint8          *labels;          /* (batch) */
  float           *scratch;         /* (n_threads, augmentation scratch + rows × cols) */
  size_t           scratch_stride;  /* floats of one thread's scratch */
  NnAugmentConfig  augment;
  size_t           batch_start;     /* the batch being prepared: where in order, */
  guint64          epoch_seed;      /* and its epoch's seed */

  /* While an epoch is under way (or was stopped before its end), the state at its start: what
   * a checkpoint holds and where running again starts. History and best only change at ends. */
  gboolean         mid_epoch;
  float           *start_params;    /* (n_params) */
  float           *start_m;         /* (n_params) */
  float           *start_v;         /* (n_params) or NULL for SGD */
  guint64          start_step;
  NnRng            start_rng;

  NnRunRecorder   *recorder;        /* owned, nullable */
};

void
nn_train_config_init (NnTrainConfig *config)
{
  g_return_if_fail (config != NULL);

  memset (config, 0, sizeof *config);
  config->spec = g_strdup (NN_SPEC_REFERENCE);
  config->epochs = 10;
  config->batch_size = 64;
  nn_optimizer_config_init (&config->optimizer, NN_OPTIMIZER_ADAM);
  config->rotation_degrees = 10.0f;
  config->validation_size = 5000;
  config->seed = 1;
  config->n_threads = 0;
  config->progress_every = 10;
  config->evaluate_test = TRUE;
  nn_train_extras_init (&config->extras);
}

void
nn_train_config_clear (NnTrainConfig *config)
{
  if (config == NULL)
    return;
  g_clear_pointer (&config->spec, g_free);
  g_clear_pointer (&config->checkpoint_path, g_free);
}

/* One thread per physical core (nn_cpu_n_cores ()): a core's second hardware thread would
 * share the vector units the kernels already fill. */
static guint
default_threads (void)
{
  return CLAMP (nn_cpu_n_cores (), 1, 64);
}

/* NaN fails every comparison below, so each bound also refuses it. */
gboolean
nn_train_config_check (const NnTrainConfig *c,
                       size_t               n_train_file,
                       GError             **error)
{
  const NnOptimizerConfig *o;
  const char *problem = NULL;

  g_return_val_if_fail (c != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  o = &c->optimizer;
  if (c->epochs == 0 || c->epochs > NN_TRAIN_MAX_EPOCHS)
    problem = "the number of epochs must be between 1 and " G_STRINGIFY (NN_TRAIN_MAX_EPOCHS);
  else if (c->batch_size == 0 || c->batch_size > NN_TRAIN_MAX_BATCH_SIZE)
    problem = "the batch size must be between 1 and " G_STRINGIFY (NN_TRAIN_MAX_BATCH_SIZE);
  else if (o->kind != NN_OPTIMIZER_ADAM && o->kind != NN_OPTIMIZER_SGD &&
           o->kind != NN_OPTIMIZER_ADAMW)
    problem = "the optimiser must be Adam, AdamW or SGD";
  else if (!(o->learning_rate > 0 && o->learning_rate < NN_TRAIN_MAX_LEARNING_RATE))
    problem = "the learning rate must be positive and below 10";
  else if (!(o->beta1 >= 0 && o->beta1 < 1) || !(o->beta2 >= 0 && o->beta2 < 1))
    problem = "Adam's betas must be in [0, 1)";
  else if (!(o->eps > 0 && o->eps < 1))
    problem = "Adam's epsilon must be in (0, 1)";
  else if (!(c->rotation_degrees >= 0 && c->rotation_degrees <= 180))
    problem = "the rotation range must be between 0 and 180 degrees";
  else if (!(o->momentum >= 0 && o->momentum < 1))
    problem = "the momentum must be in [0, 1)";
  else if (!(o->weight_decay >= 0 && o->weight_decay < 1))
    problem = "the weight decay must be in [0, 1)";
  else if ((problem = nn_train_extras_check (&c->extras, o->learning_rate)) != NULL)
    ;
  else if (c->n_threads > NN_TRAIN_MAX_THREADS)
    problem = "the number of threads must be at most " G_STRINGIFY (NN_TRAIN_MAX_THREADS);
  else if (n_train_file < 2)
    problem = "the dataset has no training images";
  else if (c->validation_size >= n_train_file)
    problem = "the validation split must leave some training images";
  else if (c->validation_size == 0)
    problem = "the validation split needs at least one image to choose the best epoch";
  else if (c->batch_size > n_train_file - c->validation_size)
    problem = "the batch size must not exceed the training images left after the validation "
              "split";

  if (problem != NULL)
    {
      g_set_error_literal (error, NN_TRAINER_ERROR, NN_TRAINER_ERROR_BAD_CONFIG, problem);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_config (const NnTrainConfig *c,
              const NnDataset     *ds,
              GError             **error)
{
  if (!nn_train_config_check (c, ds->train != NULL ? ds->train->n_images : 0, error))
    {
      g_prefix_error (error, "Cannot train: ");
      return FALSE;
    }
  return TRUE;
}

/* Builds everything that follows from the config and the dataset; no weights are drawn. */
static NnTrainer *
trainer_setup (const NnTrainConfig *config,
               const NnDataset     *dataset,
               GError             **error)
{
  g_autoptr(NnTrainer) t = NULL;
  g_autoptr(NnSpec) spec = NULL;
  const NnImageSet *train = dataset->train;
  double mean, std;
  size_t n_threads;

  if (!check_config (config, dataset, error))
    return NULL;
  spec = nn_spec_parse (config->spec, error);
  if (spec == NULL)
    return NULL;

  t = g_new0 (NnTrainer, 1);
  t->config = *config;
  t->config.spec = g_strdup (config->spec);
  t->config.checkpoint_path = g_strdup (config->checkpoint_path);
  t->config.progress_every = MAX (config->progress_every, 1);
  t->dataset = dataset;
  t->history = g_array_new (FALSE, TRUE, sizeof (NnEpochStats));
  n_threads = config->n_threads > 0 ? config->n_threads : default_threads ();
  /* no thread would get a sample */
  n_threads = MIN (n_threads, config->batch_size);

  t->net = nn_network_new (spec, 1, train->rows, train->cols, n_threads, error);
  if (t->net == NULL)
    return NULL;
  if (nn_network_get_n_classes (t->net) != dataset->n_classes)
    {
      g_set_error (error, NN_TRAINER_ERROR, NN_TRAINER_ERROR_BAD_CONFIG,
                   "The architecture gives %zu outputs but the dataset has %zu classes",
                   nn_network_get_n_classes (t->net), dataset->n_classes);
      return NULL;
    }
  if (!nn_network_reserve (t->net, config->batch_size, error))
    return NULL;
  t->opt = nn_optimizer_new (&config->optimizer, nn_network_get_n_params (t->net), error);
  if (t->opt == NULL)
    return NULL;

  nn_network_set_label_smoothing (t->net, config->extras.label_smoothing);
  nn_train_extras_get_augment (&config->extras, config->rotation_degrees, &t->augment);

  t->n_val = config->validation_size;
  t->n_train = train->n_images - t->n_val;
  t->train_idx = g_new (guint32, train->n_images);
  t->val_idx = g_new (guint32, t->n_val);
  nn_split_indices (train->n_images, t->n_val, config->seed, t->train_idx, t->val_idx);
  if (config->extras.train_on_all)
    {
      /* the split's training images, then its validation images: all of them */
      memcpy (t->train_idx + t->n_train, t->val_idx, sizeof (guint32) * t->n_val);
      t->n_train = train->n_images;
    }

  /* statistics of the images the network learns from: the held-out ones stay unseen */
  nn_image_set_mean_std (train, t->train_idx, t->n_train, &mean, &std);
  if (!(std > 0))
    {
      g_set_error (error, NN_TRAINER_ERROR, NN_TRAINER_ERROR_BAD_CONFIG,
                   "Cannot train: every training pixel has the same value");
      return NULL;
    }
  t->norm.mean = (float) mean;
  t->norm.std = (float) std;

  t->order = g_new (guint32, t->n_train);
  t->x = g_new (float, (size_t) config->batch_size * train->rows * train->cols);
  t->labels = g_new (guint8, config->batch_size);
  t->scratch_stride = train->rows * train->cols +
                      nn_augment_scratch_size (train->rows, train->cols);
  t->scratch = g_new (float, nn_network_get_n_threads (t->net) * t->scratch_stride);
  t->start_params = g_new (float, nn_network_get_n_params (t->net));
  t->start_m = g_new (float, nn_network_get_n_params (t->net));
  if (t->opt->v != NULL)
    t->start_v = g_new (float, nn_network_get_n_params (t->net));
  t->best_val_accuracy = -1;
  t->best_val_loss = INFINITY;
  return g_steal_pointer (&t);
}

NnTrainer *
nn_trainer_new (const NnTrainConfig *config,
                const NnDataset     *dataset,
                GError             **error)
{
  NnTrainer *t;
  NnRng init_rng;

  g_return_val_if_fail (config != NULL && config->spec != NULL, NULL);
  g_return_val_if_fail (dataset != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  t = trainer_setup (config, dataset, error);
  if (t == NULL)
    return NULL;
  /* separate streams for the initial weights and for the data order */
  nn_rng_init (&init_rng, config->seed);
  nn_network_init_params (t->net, &init_rng);
  nn_rng_init (&t->rng, config->seed ^ G_GUINT64_CONSTANT (0xD1B54A32D192ED03));
  return t;
}

void
nn_trainer_free (NnTrainer *t)
{
  if (t == NULL)
    return;
  nn_run_recorder_free (t->recorder);
  nn_network_free (t->net);
  nn_optimizer_free (t->opt);
  g_free (t->config.spec);
  g_free (t->config.checkpoint_path);
  g_free (t->start_params);
  g_free (t->start_m);
  g_free (t->start_v);
  g_free (t->train_idx);
  g_free (t->val_idx);
  g_array_unref (t->history);
  g_free (t->best_params);
  g_free (t->order);
  g_free (t->x);
  g_free (t->labels);
  g_free (t->scratch);
  g_free (t);
}

/* Fills the batch buffers with samples order[start + lo .. start + hi), on thread `worker`. */
static void
prepare_range (gpointer user_data,
               size_t   worker,
               size_t   lo,
               size_t   hi)
{
  NnTrainer *t = user_data;
  const NnImageSet *train = t->dataset->train;
  size_t rows = train->rows, cols = train->cols, in_size = rows * cols;
  float *scratch = t->scratch + worker * t->scratch_stride;
  const gboolean augment = !nn_augment_config_is_identity (&t->augment);

  for (size_t j = lo; j < hi; j++)
    {
      guint32 idx = t->order[t->batch_start + j];
      const guint8 *pixels = train->pixels + (size_t) idx * in_size;
      float *x = t->x + j * in_size;

      t->labels[j] = train->labels[idx];
      if (augment)
        {
          NnRng rng;

          /* one stream per sample position: independent of threads and batch layout */
          nn_rng_init (&rng, t->epoch_seed +
                               G_GUINT64_CONSTANT (0x9E3779B97F4A7C15) * (t->batch_start + j));
          for (size_t k = 0; k < in_size; k++)
            scratch[k] = pixels[k] * (1.0f / 255.0f);
          nn_augment_random (x, scratch, rows, cols, &t->augment, &rng, scratch + in_size, NULL);
          nn_normalise_floats (x, in_size, &t->norm);
        }
      else
        nn_normalise_pixels (x, pixels, in_size, &t->norm);
    }
}

static GBytes *trainer_checkpoint_bytes (NnTrainer  *t,
                                         GError    **error);

/* Keeps the state an epoch starts from; restores it to run a stopped epoch again from its start. */
static void
copy_epoch_start (NnTrainer *t,
                  gboolean   restore)
{
  size_t size = sizeof (float) * nn_network_get_n_params (t->net);
  float *params = nn_network_get_params (t->net);

#define COPY(live, kept) (restore ? memcpy ((live), (kept), size) : memcpy ((kept), (live), size))
  COPY (params, t->start_params);
  COPY (t->opt->m, t->start_m);
  if (t->opt->v != NULL)
    COPY (t->opt->v, t->start_v);
#undef COPY
  if (restore)
    {
      t->opt->step = t->start_step;
      t->rng = t->start_rng;
    }
  else
    {
      t->start_step = t->opt->step;
      t->start_rng = t->rng;
    }
}

/* Fills the batch buffers with samples order[start .. start + B), the threads sharing them. */
static void
prepare_batch (NnTrainer *t,
               size_t     start,
               size_t     B,
               guint64    epoch_seed)
{
  t->batch_start = start;
  t->epoch_seed = epoch_seed;
  nn_network_parallel_for (t->net, B, 1, prepare_range, t);
}

/* Serialises the epoch's checkpoint once and writes it to the checkpoint path and the run's. */
static gboolean
write_checkpoints (NnTrainer  *t,
                   GError    **checkpoint_error,
                   GError    **record_error)
{
  g_autoptr(GBytes) bytes = NULL;
  const char *run_path = t->recorder != NULL
                           ? nn_run_recorder_get_checkpoint_path (t->recorder) : NULL;
  GError *local = NULL;

  if (t->config.checkpoint_path == NULL && run_path == NULL)
    return TRUE;
  bytes = trainer_checkpoint_bytes (t, &local);
  if (bytes == NULL)
    {
      g_propagate_error (t->config.checkpoint_path != NULL ? checkpoint_error : record_error,
                         local);
      return FALSE;
    }
  if (t->config.checkpoint_path != NULL)
    nn_checkpoint_write (t->config.checkpoint_path, bytes, checkpoint_error);
  if (run_path != NULL)
    nn_checkpoint_write (run_path, bytes, record_error);
  return TRUE;
}

static gboolean
trainer_run_epochs (NnTrainer          *t,
                    const NnTrainHooks *hooks,
                    gboolean           *stopped,
                    GError            **error)
{
  const size_t batch = t->config.batch_size;
  const guint n_batches = (guint) ((t->n_train + batch - 1) / batch);
  gint64 run_start = g_get_monotonic_time ();
  double epoch_seconds_sum = 0;
  guint epochs_this_run = 0;

  while (t->epochs_done < t->config.epochs)
    {
      guint epoch = t->epochs_done + 1;
      guint64 epoch_seed;
      double loss_sum = 0;
      size_t correct_sum = 0, seen = 0;
      gint64 epoch_start = g_get_monotonic_time ();
      NnEpochStats stats = { 0 };
      g_autoptr(GError) checkpoint_error = NULL;
      g_autoptr(GError) record_error = NULL;

      /* an epoch stopped half-way starts again from where it started, as a resumed run would */
      copy_epoch_start (t, t->mid_epoch);
      t->mid_epoch = TRUE;
      epoch_seed = nn_rng_next_u64 (&t->rng);
      memcpy (t->order, t->train_idx, sizeof (guint32) * t->n_train);
      nn_rng_shuffle (&t->rng, t->order, t->n_train);

      for (guint b = 0; b < n_batches; b++)
        {
          size_t start = (size_t) b * batch;
          size_t B = MIN (batch, t->n_train - start);
          size_t n_correct = 0;
          double loss;

          if (hooks->should_stop != NULL && hooks->should_stop (hooks->user_data))
            {
              if (stopped != NULL)
                *stopped = TRUE;
              return TRUE;
            }

          prepare_batch (t, start, B, epoch_seed);
          loss = nn_network_train_step (t->net, t->x, t->labels, B,
                                        epoch_seed ^ ((guint64) b << 32), &n_correct);
          if (!isfinite (loss))
            {
              g_set_error (error, NN_TRAINER_ERROR, NN_TRAINER_ERROR_DIVERGED,
                           "Training diverged in epoch %u, batch %u: the loss is not a finite "
                           "number (try a smaller learning rate)", epoch, b + 1);
              return FALSE;
            }
          t->opt->lr = nn_trainer_get_learning_rate (t);
          nn_network_optimizer_step (t->net, t->opt);
          loss_sum += loss;
          correct_sum += n_correct;
          seen += B;
          if (t->recorder != NULL)
            nn_run_recorder_add_batch (t->recorder, loss / B,
                                       (guint64) t->epochs_done * t->n_train + seen);

          if (hooks->progress != NULL &&
              ((b + 1) % t->config.progress_every == 0 || b + 1 == n_batches))
            {
              double elapsed = (g_get_monotonic_time () - epoch_start) / 1e6;
              double per_epoch = epochs_this_run > 0
                                   ? epoch_seconds_sum / epochs_this_run
                                   : elapsed * n_batches / (b + 1);
              NnTrainProgress p = {
                .epoch = epoch,
                .n_epochs = t->config.epochs,
                .batch = b + 1,
                .n_batches = n_batches,
                .step = t->opt->step,
                .loss = loss / B,
                .accuracy = (double) n_correct / B,
                .epoch_loss = loss_sum / seen,
                .epoch_accuracy = (double) correct_sum / seen,
                .samples_per_second = elapsed > 0 ? seen / elapsed : 0,
                .elapsed = (g_get_monotonic_time () - run_start) / 1e6,
                .eta = MAX (0.0, per_epoch * (t->config.epochs - epoch + 1) - elapsed),
              };
              hooks->progress (&p, hooks->user_data);
            }
        }

      stats.epoch = epoch;
      stats.seconds = (g_get_monotonic_time () - epoch_start) / 1e6;
      stats.samples_per_second = stats.seconds > 0 ? seen / stats.seconds : 0;
      stats.train_loss = loss_sum / seen;
      stats.train_accuracy = (double) correct_sum / seen;
      /* trained on, the validation images measure nothing held out: no figure at all */
      stats.val_loss = stats.val_accuracy = NAN;
      if (!t->config.extras.train_on_all)
        {
          g_autoptr(NnEvaluation) val = nn_evaluate_images (t->net, t->dataset->train, t->val_idx,
                                                            t->n_val, &t->norm);

          stats.val_loss = val->loss;
          stats.val_accuracy = val->accuracy;
        }
      stats.test_loss = stats.test_accuracy = NAN;
      if (t->config.evaluate_test && t->dataset->test != NULL && t->dataset->test->n_images > 0)
        {
          g_autoptr(NnEvaluation) test = nn_evaluate_images (t->net, t->dataset->test, NULL, 0,
                                                             &t->norm);

          stats.test_loss = test->loss;
          stats.test_accuracy = test->accuracy;
        }
      /* the validation split alone chooses; ties go to the lower validation loss. Trained on
       * all images, the epoch count was chosen before: the last epoch is kept. */
      if (t->config.extras.train_on_all || stats.val_accuracy > t->best_val_accuracy ||
          (stats.val_accuracy == t->best_val_accuracy && stats.val_loss < t->best_val_loss))
        {
          size_t n_params = nn_network_get_n_params (t->net);

          if (t->best_params == NULL)
            t->best_params = g_new (float, n_params);
          memcpy (t->best_params, nn_network_get_params (t->net), sizeof (float) * n_params);
          t->best_epoch = epoch;
          t->best_val_accuracy = stats.val_accuracy;
          t->best_val_loss = stats.val_loss;
          stats.is_best = TRUE;
        }
      g_array_append_val (t->history, stats);
      t->epochs_done = epoch;
      t->mid_epoch = FALSE;
      epoch_seconds_sum += stats.seconds;
      epochs_this_run++;
      /* written before the hook reports the epoch: once it is reported, it is on disk */
      write_checkpoints (t, &checkpoint_error, &record_error);
      if (t->recorder != NULL && record_error == NULL)
        nn_run_recorder_epoch_end (t->recorder, t, &stats, &record_error);
      if (hooks->epoch_finished != NULL)
        hooks->epoch_finished (&stats, hooks->user_data);
      if (checkpoint_error != NULL)
        {
          g_set_error (error, NN_TRAINER_ERROR, NN_TRAINER_ERROR_CHECKPOINT_WRITE,
                       "The checkpoint of epoch %u could not be written: %s", epoch,
                       checkpoint_error->message);
          return FALSE;
        }
      if (record_error != NULL)
        {
          g_set_error (error, NN_TRAINER_ERROR, NN_TRAINER_ERROR_RECORD_WRITE,
                       "The record of epoch %u could not be written: %s", epoch,
                       record_error->message);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
nn_trainer_run (NnTrainer          *t,
                const NnTrainHooks *hooks,
                gboolean           *stopped,
                GError            **error)
{
  static const NnTrainHooks no_hooks = { 0 };
  g_autoptr(GError) local = NULL;
  gboolean was_stopped = FALSE;
  gboolean ok;

  g_return_val_if_fail (t != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (hooks == NULL)
    hooks = &no_hooks;
  if (stopped != NULL)
    *stopped = FALSE;
  if (t->recorder != NULL &&
      !nn_run_recorder_set_status (t->recorder, t, NN_RUN_STATUS_RUNNING, NULL, &local))
    {
      g_set_error (error, NN_TRAINER_ERROR, NN_TRAINER_ERROR_RECORD_WRITE,
                   "The run could not be recorded: %s", local->message);
      return FALSE;
    }

  ok = trainer_run_epochs (t, hooks, &was_stopped, &local);
  if (stopped != NULL)
    *stopped = was_stopped;
  if (t->recorder != NULL)
    {
      g_autoptr(GError) status_error = NULL;
      NnRunStatus status = !ok ? NN_RUN_STATUS_FAILED
                               : was_stopped ? NN_RUN_STATUS_STOPPED : NN_RUN_STATUS_FINISHED;

      if (!nn_run_recorder_set_status (t->recorder, t, status, ok ? NULL : local->message,
                                       &status_error) && ok)
        {
          g_set_error (error, NN_TRAINER_ERROR, NN_TRAINER_ERROR_RECORD_WRITE,
                       "The end of the run could not be recorded: %s", status_error->message);
          return FALSE;
        }
    }
  if (!ok)
    g_propagate_error (error, g_steal_pointer (&local));
  return ok;
}

void
nn_trainer_set_recorder (NnTrainer     *t,
                         NnRunRecorder *recorder)
{
  g_return_if_fail (t != NULL);

  if (t->recorder == recorder)
    return;
  nn_run_recorder_free (t->recorder);
  t->recorder = recorder;
}

NnRunRecorder *
nn_trainer_get_recorder (NnTrainer *t)
{
  g_return_val_if_fail (t != NULL, NULL);
  return t->recorder;
}

void
nn_trainer_set_epochs (NnTrainer *t,
                       guint      epochs)
{
  g_return_if_fail (t != NULL && epochs > 0 && epochs <= NN_TRAIN_MAX_EPOCHS);
  t->config.epochs = epochs;
}

void
nn_trainer_set_checkpoint_path (NnTrainer  *t,
                                const char *path)
{
  g_return_if_fail (t != NULL);

  g_free (t->config.checkpoint_path);
  t->config.checkpoint_path = g_strdup (path);
}

const NnTrainConfig *
nn_trainer_get_config (const NnTrainer *t)
{
  return &t->config;
}

NnNetwork *
nn_trainer_get_network (NnTrainer *t)
{
  return t->net;
}

const NnNormalisation *
nn_trainer_get_normalisation (const NnTrainer *t)
{
  return &t->norm;
}

double
nn_trainer_get_learning_rate (const NnTrainer *t)
{
  const guint64 per_epoch = (t->n_train + t->config.batch_size - 1) / t->config.batch_size;

  g_return_val_if_fail (t != NULL, 0);

  return nn_lr_schedule_at (&t->config.extras.lr_schedule, t->config.optimizer.learning_rate,
                            t->opt->step, per_epoch, per_epoch * t->config.epochs);
}

guint
nn_trainer_get_epochs_done (const NnTrainer *t)
{
  return t->epochs_done;
}

const NnEpochStats *
nn_trainer_get_history (const NnTrainer *t,
                        guint           *n_epochs)
{
  if (n_epochs != NULL)
    *n_epochs = t->history->len;
  return (const NnEpochStats *) t->history->data;
}

const float *
nn_trainer_get_best_params (const NnTrainer *t,
                            guint           *best_epoch)
{
  if (best_epoch != NULL)
    *best_epoch = t->best_epoch;
  return t->best_params;
}

size_t
nn_trainer_get_n_train (const NnTrainer *t)
{
  return t->n_train;
}

NnModel *
nn_trainer_dup_best_model (NnTrainer  *t,
                           size_t      n_threads,
                           GError    **error)
{
  const NnImageSet *train;
  const float *params;
  NnModel *model;
  double seconds = 0;

  g_return_val_if_fail (t != NULL, NULL);

  train = t->dataset->train;
  params = t->best_params != NULL ? t->best_params : nn_network_get_params (t->net);
  model = nn_model_new (nn_network_get_spec (t->net), 1, train->rows, train->cols, params,
                        &t->norm, t->dataset->name, (const char *const *) t->dataset->class_names,
                        n_threads, error);
  if (model == NULL)
    return NULL;
  model->training = (NnModelTraining) {
    .known = TRUE,
    .epochs = t->epochs_done,
    .best_epoch = t->best_epoch,
    .batch_size = t->config.batch_size,
    .optimizer = g_strdup (nn_optimizer_kind_to_string (t->config.optimizer.kind)),
    .learning_rate = t->config.optimizer.learning_rate,
    .rotation_degrees = t->config.rotation_degrees,
    .weight_decay = t->config.optimizer.weight_decay,
    .momentum = t->config.optimizer.momentum,
    .extras = t->config.extras,
    .validation_size = t->config.validation_size,
    .seed = t->config.seed,
    .n_train = (guint) t->n_train,
    .best_val_accuracy = t->best_epoch > 0 ? t->best_val_accuracy : NAN,
    .n_threads = (guint) nn_network_get_n_threads (t->net),
    .hardware = nn_cpu_dup_description (),
    .engine_version = g_strdup (PACKAGE_VERSION),
  };
  /* every epoch's training time, those before a resume too */
  for (guint i = 0; i < t->history->len; i++)
    seconds += g_array_index (t->history, NnEpochStats, i).seconds;
  model->training.seconds = t->history->len > 0 ? seconds : NAN;
  return model;
}

/* ---- checkpoints ---------------------------------------------------------------------- */

static GBytes *
trainer_checkpoint_bytes (NnTrainer  *t,
                          GError    **error)
{
  NnCheckpoint ck;

  /* the last epoch's end, even from the middle of the next epoch */
  ck = (NnCheckpoint) {
    .config = t->config,
    .dataset = t->dataset->name,
    .n_train_file = t->dataset->train->n_images,
    .epochs_done = t->epochs_done,
    .step = t->mid_epoch ? t->start_step : t->opt->step,
    .rng = t->mid_epoch ? t->start_rng : t->rng,
    .best_epoch = t->best_epoch,
    .best_val_accuracy = t->best_val_accuracy,
    .best_val_loss = t->best_val_loss,
    .history = (NnEpochStats *) t->history->data,
    .n_params = nn_network_get_n_params (t->net),
    .params = t->mid_epoch ? t->start_params : nn_network_get_params (t->net),
    .m = t->mid_epoch ? t->start_m : t->opt->m,
    .v = t->mid_epoch ? t->start_v : t->opt->v,
    .best_params = t->best_params,
    .fd = -1,
  };
  return nn_checkpoint_serialize (&ck, error);
}

gboolean
nn_trainer_save_checkpoint (NnTrainer   *t,
                            const char  *path,
                            GError     **error)
{
  g_autoptr(GBytes) bytes = NULL;

  g_return_val_if_fail (t != NULL && path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  bytes = trainer_checkpoint_bytes (t, error);
  return bytes != NULL && nn_checkpoint_write (path, bytes, error);
}

NnTrainer *
nn_trainer_new_from_checkpoint (const char       *path,
                                const NnDataset  *dataset,
                                guint             n_threads,
                                GError          **error)
{
  g_autoptr(NnCheckpoint) ck = NULL;
  g_autoptr(NnTrainer) t = NULL;
  g_autoptr(GError) local_error = NULL;
  size_t n_params;

  g_return_val_if_fail (path != NULL && dataset != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (n_threads > NN_TRAIN_MAX_THREADS)
    {
      g_set_error (error, NN_TRAINER_ERROR, NN_TRAINER_ERROR_BAD_CONFIG,
                   "Cannot train: the number of threads must be at most %u",
                   NN_TRAIN_MAX_THREADS);
      return NULL;
    }
  /* the header first: nothing big is read from a file that is wrong */
  ck = nn_checkpoint_open (path, error);
  if (ck == NULL)
    return NULL;
  if (g_strcmp0 (ck->dataset, dataset->name) != 0 || dataset->train == NULL ||
      ck->n_train_file != dataset->train->n_images)
    {
      g_set_error (error, NN_CHECKPOINT_ERROR, NN_CHECKPOINT_ERROR_MISMATCH,
                   "%s: the checkpoint was trained on “%s” (%" G_GUINT64_FORMAT " training "
                   "images), not on this dataset", path, ck->dataset, ck->n_train_file);
      return NULL;
    }
  ck->config.n_threads = n_threads;
  t = trainer_setup (&ck->config, dataset, &local_error);
  if (t == NULL)
    {
      g_set_error (error, NN_CHECKPOINT_ERROR, NN_CHECKPOINT_ERROR_MISMATCH,
                   "%s: the checkpoint does not fit this dataset: %s", path,
                   local_error->message);
      return NULL;
    }
  n_params = nn_network_get_n_params (t->net);
  if (!nn_checkpoint_read_vectors (ck, n_params, error))
    return NULL;

  memcpy (nn_network_get_params (t->net), ck->params, sizeof (float) * n_params);
  memcpy (t->opt->m, ck->m, sizeof (float) * n_params);
  if (t->opt->v != NULL)
    memcpy (t->opt->v, ck->v, sizeof (float) * n_params);
  if (ck->best_params != NULL)
    t->best_params = g_memdup2 (ck->best_params, sizeof (float) * n_params);
  t->opt->step = ck->step;
  t->rng = ck->rng;
  t->epochs_done = ck->epochs_done;
  t->best_epoch = ck->best_epoch;
  t->best_val_accuracy = ck->best_val_accuracy;
  t->best_val_loss = ck->best_val_loss;
  g_array_append_vals (t->history, ck->history, ck->epochs_done);
  return g_steal_pointer (&t);
}
