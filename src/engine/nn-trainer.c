/* nn-trainer.c: epochs of seeded shuffling, rotation, normalisation and data-parallel steps */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-trainer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn-augment.h"
#include "nn-safetensors.h"

G_DEFINE_QUARK (nn-trainer-error-quark, nn_trainer_error)

#define CHECKPOINT_FORMAT "digit-lab-checkpoint"
#define CHECKPOINT_VERSION "1"

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
  float           *scratch;         /* (n_threads, rows, cols) */
  size_t           batch_start;     /* the batch being prepared: where in order, */
  guint64          epoch_seed;      /* and its epoch's seed */
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
}

void
nn_train_config_clear (NnTrainConfig *config)
{
  if (config == NULL)
    return;
  g_clear_pointer (&config->spec, g_free);
}

static guint
default_threads (void)
{
  return CLAMP (g_get_num_processors (), 1, 64);
}

static gboolean
check_config (const NnTrainConfig *c,
              const NnDataset     *ds,
              GError             **error)
{
  const char *problem = NULL;

  if (c->epochs == 0 || c->epochs > 10000)
    problem = "the number of epochs must be between 1 and 10000";
  else if (c->batch_size == 0 || c->batch_size > 4096)
    problem = "the batch size must be between 1 and 4096";
  else if (!(c->optimizer.learning_rate > 0 && c->optimizer.learning_rate < 10))
    problem = "the learning rate must be positive and below 10";
  else if (!(c->rotation_degrees >= 0 && c->rotation_degrees <= 180))
    problem = "the rotation range must be between 0 and 180 degrees";
  else if (!(c->optimizer.momentum >= 0 && c->optimizer.momentum < 1))
    problem = "the momentum must be in [0, 1)";
  else if (!(c->optimizer.weight_decay >= 0 && c->optimizer.weight_decay < 1))
    problem = "the weight decay must be in [0, 1)";
  else if (ds->train == NULL || ds->train->n_images < 2)
    problem = "the dataset has no training images";
  else if (c->validation_size >= ds->train->n_images)
    problem = "the validation split must leave some training images";
  else if (c->validation_size == 0)
    problem = "the validation split needs at least one image to choose the best epoch";

  if (problem != NULL)
    {
      g_set_error (error, NN_TRAINER_ERROR, NN_TRAINER_ERROR_BAD_CONFIG,
                   "Cannot train: %s", problem);
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
  t->opt = nn_optimizer_new (&config->optimizer, nn_network_get_n_params (t->net));

  t->n_val = config->validation_size;
  t->n_train = train->n_images - t->n_val;
  t->train_idx = g_new (guint32, t->n_train);
  t->val_idx = g_new (guint32, t->n_val);
  nn_split_indices (train->n_images, t->n_val, config->seed, t->train_idx, t->val_idx);

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
  t->scratch = g_new (float, nn_network_get_n_threads (t->net) * train->rows * train->cols);
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
  nn_network_free (t->net);
  nn_optimizer_free (t->opt);
  g_free (t->config.spec);
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
  float *scratch = t->scratch + worker * in_size;

  for (size_t j = lo; j < hi; j++)
    {
      guint32 idx = t->order[t->batch_start + j];
      const guint8 *pixels = train->pixels + (size_t) idx * in_size;
      float *x = t->x + j * in_size;

      t->labels[j] = train->labels[idx];
      if (t->config.rotation_degrees > 0)
        {
          NnRng rng;

          /* one stream per sample position: independent of threads and batch layout */
          nn_rng_init (&rng, t->epoch_seed +
                               G_GUINT64_CONSTANT (0x9E3779B97F4A7C15) * (t->batch_start + j));
          for (size_t k = 0; k < in_size; k++)
            scratch[k] = pixels[k] * (1.0f / 255.0f);
          nn_augment_random_rotation (x, scratch, rows, cols, t->config.rotation_degrees, &rng);
          nn_normalise_floats (x, in_size, &t->norm);
        }
      else
        nn_normalise_pixels (x, pixels, in_size, &t->norm);
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

gboolean
nn_trainer_run (NnTrainer          *t,
                const NnTrainHooks *hooks,
                gboolean           *stopped,
                GError            **error)
{
  static const NnTrainHooks no_hooks = { 0 };
  const size_t batch = t->config.batch_size;
  const guint n_batches = (guint) ((t->n_train + batch - 1) / batch);
  gint64 run_start = g_get_monotonic_time ();
  double epoch_seconds_sum = 0;
  guint epochs_this_run = 0;

  g_return_val_if_fail (t != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (hooks == NULL)
    hooks = &no_hooks;
  if (stopped != NULL)
    *stopped = FALSE;

  while (t->epochs_done < t->config.epochs)
    {
      guint epoch = t->epochs_done + 1;
      guint64 epoch_seed = nn_rng_next_u64 (&t->rng);
      double loss_sum = 0;
      size_t correct_sum = 0, seen = 0;
      gint64 epoch_start = g_get_monotonic_time ();
      NnEpochStats stats = { 0 };

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
          nn_network_optimizer_step (t->net, t->opt);
          loss_sum += loss;
          correct_sum += n_correct;
          seen += B;

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
      /* the validation split alone chooses; ties go to the lower validation loss */
      if (stats.val_accuracy > t->best_val_accuracy ||
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
      epoch_seconds_sum += stats.seconds;
      epochs_this_run++;
      if (hooks->epoch_finished != NULL)
        hooks->epoch_finished (&stats, hooks->user_data);
    }
  return TRUE;
}

void
nn_trainer_set_epochs (NnTrainer *t,
                       guint      epochs)
{
  g_return_if_fail (t != NULL && epochs > 0);
  t->config.epochs = epochs;
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
    .validation_size = t->config.validation_size,
    .seed = t->config.seed,
    .n_train = (guint) t->n_train,
  };
  return model;
}

/* ---- checkpoints ---------------------------------------------------------------------- */

static char *
format_double (double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  return g_strdup (g_ascii_dtostr (buf, sizeof buf, v));
}

gboolean
nn_trainer_save_checkpoint (NnTrainer   *t,
                            const char  *path,
                            GError     **error)
{
  size_t n_params = nn_network_get_n_params (t->net);
  g_autoptr(GPtrArray) kv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) history = g_string_new (NULL);
  NnTensor tensors[4];
  size_t n_tensors = 0;

  g_return_val_if_fail (t != NULL && path != NULL, FALSE);

#define KV(key, value) (g_ptr_array_add (kv, g_strdup (key)), g_ptr_array_add (kv, (value)))
  KV ("format", g_strdup (CHECKPOINT_FORMAT));
  KV ("version", g_strdup (CHECKPOINT_VERSION));
  KV ("spec", g_strdup (t->config.spec));
  KV ("dataset", g_strdup (t->dataset->name));
  KV ("n_train_file", g_strdup_printf ("%zu", t->dataset->train->n_images));
  KV ("epochs", g_strdup_printf ("%u", t->config.epochs));
  KV ("batch_size", g_strdup_printf ("%u", t->config.batch_size));
  KV ("optimizer", g_strdup (nn_optimizer_kind_to_string (t->config.optimizer.kind)));
  KV ("learning_rate", format_double (t->config.optimizer.learning_rate));
  KV ("beta1", format_double (t->config.optimizer.beta1));
  KV ("beta2", format_double (t->config.optimizer.beta2));
  KV ("eps", format_double (t->config.optimizer.eps));
  KV ("momentum", format_double (t->config.optimizer.momentum));
  KV ("weight_decay", format_double (t->config.optimizer.weight_decay));
  KV ("rotation_degrees", format_double (t->config.rotation_degrees));
  KV ("validation_size", g_strdup_printf ("%u", t->config.validation_size));
  KV ("seed", g_strdup_printf ("%" G_GUINT64_FORMAT, t->config.seed));
  KV ("progress_every", g_strdup_printf ("%u", t->config.progress_every));
  KV ("evaluate_test", g_strdup (t->config.evaluate_test ? "1" : "0"));
  KV ("epochs_done", g_strdup_printf ("%u", t->epochs_done));
  KV ("step", g_strdup_printf ("%" G_GUINT64_FORMAT, t->opt->step));
  KV ("rng", g_strdup_printf ("%016" G_GINT64_MODIFIER "x %016" G_GINT64_MODIFIER "x %016"
                              G_GINT64_MODIFIER "x %016" G_GINT64_MODIFIER "x",
                              t->rng.s[0], t->rng.s[1], t->rng.s[2], t->rng.s[3]));
  KV ("best_epoch", g_strdup_printf ("%u", t->best_epoch));
  KV ("best_val_accuracy", format_double (t->best_val_accuracy));
  KV ("best_val_loss", format_double (t->best_val_loss));
  for (guint i = 0; i < t->history->len; i++)
    {
      const NnEpochStats *s = &g_array_index (t->history, NnEpochStats, i);
      char b[9][G_ASCII_DTOSTR_BUF_SIZE];

      g_string_append_printf (history, "%s%u %s %s %s %s %s %s %s %s %d", i > 0 ? ";" : "",
                              s->epoch,
                              g_ascii_dtostr (b[0], sizeof b[0], s->train_loss),
                              g_ascii_dtostr (b[1], sizeof b[1], s->train_accuracy),
                              g_ascii_dtostr (b[2], sizeof b[2], s->val_loss),
                              g_ascii_dtostr (b[3], sizeof b[3], s->val_accuracy),
                              g_ascii_dtostr (b[4], sizeof b[4], s->test_loss),
                              g_ascii_dtostr (b[5], sizeof b[5], s->test_accuracy),
                              g_ascii_dtostr (b[6], sizeof b[6], s->seconds),
                              g_ascii_dtostr (b[7], sizeof b[7], s->samples_per_second),
                              s->is_best);
    }
  KV ("history", g_strdup (history->str));
#undef KV
  g_ptr_array_add (kv, NULL);

  tensors[n_tensors++] = (NnTensor) { .name = (char *) "params", .n_dims = 1,
                                      .shape = { n_params }, .data = nn_network_get_params (t->net) };
  tensors[n_tensors++] = (NnTensor) { .name = (char *) "optimizer.m", .n_dims = 1,
                                      .shape = { n_params }, .data = t->opt->m };
  if (t->opt->v != NULL)
    tensors[n_tensors++] = (NnTensor) { .name = (char *) "optimizer.v", .n_dims = 1,
                                        .shape = { n_params }, .data = t->opt->v };
  if (t->best_params != NULL)
    tensors[n_tensors++] = (NnTensor) { .name = (char *) "best_params", .n_dims = 1,
                                        .shape = { n_params }, .data = t->best_params };
  return nn_safetensors_save (path, tensors, n_tensors, (const char *const *) kv->pdata, error);
}

static gboolean
meta_u64 (const NnSafetensors *st,
          const char          *key,
          guint64              max,
          guint64             *out,
          GError             **error)
{
  const char *s = nn_safetensors_get_metadata (st, key);

  if (s == NULL || !g_ascii_string_to_unsigned (s, 10, 0, max, out, NULL))
    {
      g_set_error (error, NN_TRAINER_ERROR, NN_TRAINER_ERROR_BAD_CHECKPOINT,
                   "Checkpoint: “%s” is missing or invalid", key);
      return FALSE;
    }
  return TRUE;
}

static gboolean
meta_double (const NnSafetensors *st,
             const char          *key,
             double              *out,
             GError             **error)
{
  const char *s = nn_safetensors_get_metadata (st, key);
  char *end = NULL;

  if (s != NULL)
    *out = g_ascii_strtod (s, &end);
  if (s == NULL || end == s || *end != '\0')
    {
      g_set_error (error, NN_TRAINER_ERROR, NN_TRAINER_ERROR_BAD_CHECKPOINT,
                   "Checkpoint: “%s” is missing or invalid", key);
      return FALSE;
    }
  return TRUE;
}

static gboolean
load_vector (const NnSafetensors *st,
             const char          *name,
             size_t               n,
             float               *dest,
             gboolean             required,
             GError             **error)
{
  const NnTensor *tensor = nn_safetensors_lookup (st, name);

  if (tensor == NULL && !required)
    return TRUE;
  if (tensor == NULL || tensor->n_dims != 1 || tensor->shape[0] != n)
    {
      g_set_error (error, NN_TRAINER_ERROR, NN_TRAINER_ERROR_BAD_CHECKPOINT,
                   "Checkpoint: tensor “%s” is missing or does not have %zu values", name, n);
      return FALSE;
    }
  memcpy (dest, tensor->data, sizeof (float) * n);
  return TRUE;
}

NnTrainer *
nn_trainer_new_from_checkpoint (const char       *path,
                                const NnDataset  *dataset,
                                guint             n_threads,
                                GError          **error)
{
  g_autoptr(NnSafetensors) st = NULL;
  g_autoptr(NnTrainer) t = NULL;
  NnTrainConfig c = { 0 };
  guint64 u, n_train_file, epochs_done, step, best_epoch;
  const char *s;
  g_auto(GStrv) rng_words = NULL;
  g_auto(GStrv) rows = NULL;
  size_t n_params;

  g_return_val_if_fail (path != NULL && dataset != NULL, NULL);

  st = nn_safetensors_load (path, error);
  if (st == NULL)
    return NULL;
  if (g_strcmp0 (nn_safetensors_get_metadata (st, "format"), CHECKPOINT_FORMAT) != 0 ||
      g_strcmp0 (nn_safetensors_get_metadata (st, "version"), CHECKPOINT_VERSION) != 0)
    {
      g_set_error (error, NN_TRAINER_ERROR, NN_TRAINER_ERROR_BAD_CHECKPOINT,
                   "%s is not a Digit Lab training checkpoint of a supported version", path);
      return NULL;
    }

  c.spec = (char *) nn_safetensors_get_metadata (st, "spec");
  s = nn_safetensors_get_metadata (st, "optimizer");
  if (c.spec == NULL || s == NULL || !nn_optimizer_kind_from_string (s, &c.optimizer.kind))
    {
      g_set_error (error, NN_TRAINER_ERROR, NN_TRAINER_ERROR_BAD_CHECKPOINT,
                   "Checkpoint: the architecture or optimiser is missing");
      return NULL;
    }
  if (!meta_u64 (st, "epochs", 10000, &u, error))
    return NULL;
  c.epochs = (guint) u;
  if (!meta_u64 (st, "batch_size", 4096, &u, error))
    return NULL;
  c.batch_size = (guint) u;
  if (!meta_u64 (st, "validation_size", G_MAXUINT32, &u, error))
    return NULL;
  c.validation_size = (guint) u;
  if (!meta_u64 (st, "progress_every", G_MAXUINT32, &u, error))
    return NULL;
  c.progress_every = (guint) u;
  if (!meta_u64 (st, "evaluate_test", 1, &u, error))
    return NULL;
  c.evaluate_test = u != 0;
  if (!meta_u64 (st, "seed", G_MAXUINT64, &c.seed, error))
    return NULL;
  {
    double rot;

    if (!meta_double (st, "learning_rate", &c.optimizer.learning_rate, error) ||
        !meta_double (st, "beta1", &c.optimizer.beta1, error) ||
        !meta_double (st, "beta2", &c.optimizer.beta2, error) ||
        !meta_double (st, "eps", &c.optimizer.eps, error) ||
        !meta_double (st, "momentum", &c.optimizer.momentum, error) ||
        !meta_double (st, "weight_decay", &c.optimizer.weight_decay, error) ||
        !meta_double (st, "rotation_degrees", &rot, error))
      return NULL;
    c.rotation_degrees = (float) rot;
  }
  c.n_threads = n_threads;

  if (!meta_u64 (st, "n_train_file", G_MAXUINT32, &n_train_file, error))
    return NULL;
  if (g_strcmp0 (nn_safetensors_get_metadata (st, "dataset"), dataset->name) != 0 ||
      n_train_file != dataset->train->n_images)
    {
      g_set_error (error, NN_TRAINER_ERROR, NN_TRAINER_ERROR_BAD_CHECKPOINT,
                   "The checkpoint was trained on %s (%" G_GUINT64_FORMAT " training images), "
                   "not on this dataset", nn_safetensors_get_metadata (st, "dataset"),
                   n_train_file);
      return NULL;
    }

  t = trainer_setup (&c, dataset, error);
  if (t == NULL)
    return NULL;
  n_params = nn_network_get_n_params (t->net);

  if (!meta_u64 (st, "epochs_done", c.epochs, &epochs_done, error) ||
      !meta_u64 (st, "step", G_MAXUINT64, &step, error) ||
      !meta_u64 (st, "best_epoch", epochs_done, &best_epoch, error) ||
      !meta_double (st, "best_val_accuracy", &t->best_val_accuracy, error) ||
      !meta_double (st, "best_val_loss", &t->best_val_loss, error))
    return NULL;
  t->epochs_done = (guint) epochs_done;
  t->opt->step = step;
  t->best_epoch = (guint) best_epoch;

  s = nn_safetensors_get_metadata (st, "rng");
  rng_words = g_strsplit (s != NULL ? s : "", " ", -1);
  if (g_strv_length (rng_words) != 4)
    {
      g_set_error (error, NN_TRAINER_ERROR, NN_TRAINER_ERROR_BAD_CHECKPOINT,
                   "Checkpoint: the random number state is missing or invalid");
      return NULL;
    }
  for (int i = 0; i < 4; i++)
    if (!g_ascii_string_to_unsigned (rng_words[i], 16, 0, G_MAXUINT64, &t->rng.s[i], NULL))
      {
        g_set_error (error, NN_TRAINER_ERROR, NN_TRAINER_ERROR_BAD_CHECKPOINT,
                     "Checkpoint: the random number state is invalid");
        return NULL;
      }

  if (!load_vector (st, "params", n_params, nn_network_get_params (t->net), TRUE, error) ||
      !load_vector (st, "optimizer.m", n_params, t->opt->m, TRUE, error) ||
      (t->opt->v != NULL && !load_vector (st, "optimizer.v", n_params, t->opt->v, TRUE, error)))
    return NULL;
  if (nn_safetensors_lookup (st, "best_params") != NULL)
    {
      t->best_params = g_new (float, n_params);
      if (!load_vector (st, "best_params", n_params, t->best_params, TRUE, error))
        return NULL;
    }

  s = nn_safetensors_get_metadata (st, "history");
  rows = g_strsplit (s != NULL ? s : "", ";", -1);
  for (guint i = 0; rows[i] != NULL && rows[i][0] != '\0'; i++)
    {
      NnEpochStats e = { 0 };
      double v[10];
      char *p = rows[i];
      int k;

      for (k = 0; k < 10; k++)
        {
          char *end;

          v[k] = g_ascii_strtod (p, &end);
          if (end == p)
            break;
          p = end;
        }
      if (k != 10 || i >= t->epochs_done)
        {
          g_set_error (error, NN_TRAINER_ERROR, NN_TRAINER_ERROR_BAD_CHECKPOINT,
                       "Checkpoint: the training history is invalid");
          return NULL;
        }
      e.epoch = (guint) v[0];
      e.train_loss = v[1];
      e.train_accuracy = v[2];
      e.val_loss = v[3];
      e.val_accuracy = v[4];
      e.test_loss = v[5];
      e.test_accuracy = v[6];
      e.seconds = v[7];
      e.samples_per_second = v[8];
      e.is_best = v[9] != 0;
      g_array_append_val (t->history, e);
    }
  return g_steal_pointer (&t);
}
