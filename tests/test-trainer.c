/* test-trainer.c: training on generated data — learning, exact resume (also after a stop in the
 * middle of an epoch), checkpoints every epoch, determinism, stop, divergence, and one epoch on
 * the real MNIST */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>

#include "nn-checkpoint.h"
#include "nn-trainer.h"

#define TINY_SPEC "conv(4,3,pad=1) relu maxpool(2) flatten dense(16) relu dense(4)"

/* Four classes of 12×12 images: a bright bar in one of four places, with noise and jitter. */
static NnImageSet *
make_bars (size_t  n,
           guint64 seed)
{
  NnImageSet *set = nn_image_set_new (n, 12, 12);
  NnRng rng;

  nn_rng_init (&rng, seed);
  for (size_t i = 0; i < n; i++)
    {
      guint8 *img = set->pixels + i * 144;
      guint8 label = (guint8) nn_rng_below (&rng, 4);
      int shift = (int) nn_rng_below (&rng, 3) - 1;

      set->labels[i] = label;
      for (int p = 0; p < 144; p++)
        img[p] = (guint8) nn_rng_below (&rng, 40);
      for (int t = 2; t < 10; t++)
        {
          int r = label < 2 ? 3 + 5 * label + shift : t;
          int c = label < 2 ? t : 3 + 5 * (label - 2) + shift;

          img[r * 12 + c] = 200 + (guint8) nn_rng_below (&rng, 56);
        }
    }
  return set;
}

static NnDataset *
make_dataset (void)
{
  NnDataset *ds = nn_dataset_new ();

  ds->kind = NN_DATASET_CUSTOM;
  ds->name = g_strdup ("bars");
  ds->dir = g_strdup ("generated");
  ds->n_classes = 4;
  ds->class_names = g_new0 (char *, 5);
  for (int k = 0; k < 4; k++)
    ds->class_names[k] = g_strdup_printf ("bar %d", k);
  ds->train = make_bars (600, 1);
  ds->test = make_bars (200, 2);
  return ds;
}

static void
tiny_config (NnTrainConfig *c)
{
  nn_train_config_init (c);
  g_free (c->spec);
  c->spec = g_strdup (TINY_SPEC);
  c->epochs = 3;
  c->batch_size = 32;
  c->validation_size = 100;
  c->rotation_degrees = 5;
  c->n_threads = 2;
  c->seed = 42;
  c->progress_every = 4;
}

typedef struct
{
  guint n_progress;
  guint n_epochs;
  guint stop_after;       /* progress reports before asking to stop; 0 never */
  guint last_batch;
} HookLog;

static void
on_progress (const NnTrainProgress *p,
             gpointer               user_data)
{
  HookLog *log = user_data;

  log->n_progress++;
  log->last_batch = p->batch;
  g_assert_cmpuint (p->batch, <=, p->n_batches);
  g_assert_true (isfinite (p->loss));
  g_assert_cmpfloat (p->epoch_accuracy, >=, 0);
  g_assert_cmpfloat (p->epoch_accuracy, <=, 1);
}

static void
on_epoch (const NnEpochStats *s,
          gpointer            user_data)
{
  HookLog *log = user_data;

  log->n_epochs++;
  g_assert_cmpuint (s->epoch, ==, log->n_epochs);
}

static gboolean
on_should_stop (gpointer user_data)
{
  HookLog *log = user_data;

  return log->stop_after > 0 && log->n_progress >= log->stop_after;
}

static void
test_trainer_learns (void)
{
  g_autoptr(NnDataset) ds = make_dataset ();
  g_autoptr(GError) error = NULL;
  g_autoptr(NnTrainer) t = NULL;
  NnTrainConfig c;
  HookLog log = { 0 };
  NnTrainHooks hooks = { on_progress, on_epoch, on_should_stop, &log };
  const NnEpochStats *history;
  guint n_history, best_epoch;
  gboolean stopped = TRUE;

  tiny_config (&c);
  t = nn_trainer_new (&c, ds, &error);
  nn_train_config_clear (&c);
  g_assert_no_error (error);
  g_assert_cmpuint (nn_trainer_get_n_train (t), ==, 500);

  g_assert_true (nn_trainer_run (t, &hooks, &stopped, &error));
  g_assert_no_error (error);
  g_assert_false (stopped);
  g_assert_cmpuint (log.n_epochs, ==, 3);
  /* 16 batches per epoch, a report every 4 */
  g_assert_cmpuint (log.n_progress, ==, 3 * 4);

  history = nn_trainer_get_history (t, &n_history);
  g_assert_cmpuint (n_history, ==, 3);
  g_assert_cmpfloat (history[2].train_loss, <, history[0].train_loss);
  g_assert_cmpfloat (history[2].val_accuracy, >, 0.9);
  g_assert_cmpfloat (history[2].test_accuracy, >, 0.9);
  g_assert_nonnull (nn_trainer_get_best_params (t, &best_epoch));
  g_assert_cmpuint (best_epoch, >=, 1);
  g_assert_true (history[best_epoch - 1].is_best);
  for (guint e = 0; e < n_history; e++)
    g_assert_cmpfloat (history[e].val_accuracy, <=, history[best_epoch - 1].val_accuracy);
}

/* Normalisation uses the training images only: held-out images do not change it. */
static void
test_trainer_normalisation (void)
{
  g_autoptr(NnDataset) ds = make_dataset ();
  g_autoptr(GError) error = NULL;
  g_autoptr(NnTrainer) t = NULL;
  NnTrainConfig c;
  double mean, std;
  g_autofree guint32 *train_idx = g_new (guint32, 500);
  g_autofree guint32 *val_idx = g_new (guint32, 100);

  tiny_config (&c);
  t = nn_trainer_new (&c, ds, &error);
  nn_train_config_clear (&c);
  g_assert_no_error (error);
  nn_split_indices (600, 100, 42, train_idx, val_idx);
  nn_image_set_mean_std (ds->train, train_idx, 500, &mean, &std);
  g_assert_cmpfloat_with_epsilon (nn_trainer_get_normalisation (t)->mean, mean, 1e-6);
  g_assert_cmpfloat_with_epsilon (nn_trainer_get_normalisation (t)->std, std, 1e-6);
}

static void
run_to_end (NnTrainer *t)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (nn_trainer_run (t, NULL, NULL, &error));
  g_assert_no_error (error);
}

/* Same seed, data and threads: bit-identical weights and history. */
static void
test_trainer_deterministic (void)
{
  g_autoptr(NnDataset) ds = make_dataset ();
  g_autoptr(GError) error = NULL;
  g_autoptr(NnTrainer) a = NULL;
  g_autoptr(NnTrainer) b = NULL;
  NnTrainConfig c;
  const NnEpochStats *ha, *hb;
  NnNetwork *na, *nb;

  tiny_config (&c);
  c.epochs = 2;
  a = nn_trainer_new (&c, ds, &error);
  g_assert_no_error (error);
  b = nn_trainer_new (&c, ds, &error);
  g_assert_no_error (error);
  nn_train_config_clear (&c);
  run_to_end (a);
  run_to_end (b);
  na = nn_trainer_get_network (a);
  nb = nn_trainer_get_network (b);
  g_assert_cmpmem (nn_network_get_params (na), sizeof (float) * nn_network_get_n_params (na),
                   nn_network_get_params (nb), sizeof (float) * nn_network_get_n_params (nb));
  ha = nn_trainer_get_history (a, NULL);
  hb = nn_trainer_get_history (b, NULL);
  g_assert_cmpfloat (ha[1].val_loss, ==, hb[1].val_loss);
  g_assert_cmpfloat (ha[1].train_loss, ==, hb[1].train_loss);
}

/* Stopping after epoch 1 and resuming from a checkpoint equals training straight through. */
static void
test_trainer_resume (void)
{
  g_autoptr(NnDataset) ds = make_dataset ();
  g_autoptr(GError) error = NULL;
  g_autoptr(NnTrainer) straight = NULL;
  g_autoptr(NnTrainer) first = NULL;
  g_autoptr(NnTrainer) resumed = NULL;
  g_autofree char *dir = g_dir_make_tmp ("digit-lab-test-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "checkpoint.safetensors", NULL);
  NnTrainConfig c;
  const NnEpochStats *hs, *hr;
  guint n_hr, best_s, best_r;
  NnNetwork *ns, *nr;

  g_assert_no_error (error);
  tiny_config (&c);
  straight = nn_trainer_new (&c, ds, &error);
  g_assert_no_error (error);
  run_to_end (straight);

  c.epochs = 1;
  first = nn_trainer_new (&c, ds, &error);
  g_assert_no_error (error);
  nn_train_config_clear (&c);
  run_to_end (first);
  g_assert_true (nn_trainer_save_checkpoint (first, path, &error));
  g_assert_no_error (error);

  resumed = nn_trainer_new_from_checkpoint (path, ds, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (nn_trainer_get_epochs_done (resumed), ==, 1);
  nn_trainer_set_epochs (resumed, 3);
  run_to_end (resumed);

  ns = nn_trainer_get_network (straight);
  nr = nn_trainer_get_network (resumed);
  g_assert_cmpmem (nn_network_get_params (ns), sizeof (float) * nn_network_get_n_params (ns),
                   nn_network_get_params (nr), sizeof (float) * nn_network_get_n_params (nr));
  hs = nn_trainer_get_history (straight, NULL);
  hr = nn_trainer_get_history (resumed, &n_hr);
  g_assert_cmpuint (n_hr, ==, 3);
  for (guint e = 0; e < 3; e++)
    {
      g_assert_cmpfloat (hs[e].train_loss, ==, hr[e].train_loss);
      g_assert_cmpfloat (hs[e].val_accuracy, ==, hr[e].val_accuracy);
    }
  nn_trainer_get_best_params (straight, &best_s);
  nn_trainer_get_best_params (resumed, &best_r);
  g_assert_cmpuint (best_s, ==, best_r);

  g_assert_cmpint (g_remove (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
assert_same_params (NnTrainer *a,
                    NnTrainer *b)
{
  NnNetwork *na = nn_trainer_get_network (a);
  NnNetwork *nb = nn_trainer_get_network (b);
  size_t n = nn_network_get_n_params (na);

  g_assert_cmpuint (nn_network_get_n_params (nb), ==, n);
  g_assert_cmpint (memcmp (nn_network_get_params (na), nn_network_get_params (nb),
                           sizeof (float) * n), ==, 0);
}

static guint
checkpoint_epochs (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnCheckpoint) ck = nn_checkpoint_open (path, &error);

  g_assert_no_error (error);
  return ck->epochs_done;
}

/* Ctrl+C in the middle of epoch 2: the checkpoint holds epoch 1 only, and both resuming from it
 * and running the stopped trainer again give the weights of the unbroken run, bit for bit. */
/* Everything this engine has beyond the first recipe: AdamW, one-cycle, smoothing, affine and
 * elastic augmentation. */
static void
assert_params_equal_best (NnTrainer *t)
{
  NnNetwork *net = nn_trainer_get_network (t);

  g_assert_cmpmem (nn_network_get_params (net), sizeof (float) * nn_network_get_n_params (net),
                   nn_trainer_get_best_params (t, NULL),
                   sizeof (float) * nn_network_get_n_params (net));
}

static void
set_every_extra (NnTrainConfig *c)
{
  nn_optimizer_config_init (&c->optimizer, NN_OPTIMIZER_ADAMW);
  c->optimizer.learning_rate = 3e-3;
  c->extras.lr_schedule.kind = NN_LR_SCHEDULE_ONE_CYCLE;
  c->extras.lr_schedule.pct_start = 0.25;
  c->extras.label_smoothing = 0.1f;
  c->extras.translate = 0.1f;
  c->extras.scale = 0.1f;
  c->extras.shear_degrees = 10;
  c->extras.elastic_alpha = 8;
  c->extras.elastic_sigma = 3;
}

static void
resume_after_stop (NnOptimizerKind kind,
                   gboolean        extras)
{
  g_autoptr(NnDataset) ds = make_dataset ();
  g_autoptr(GError) error = NULL;
  g_autoptr(NnTrainer) straight = NULL;
  g_autoptr(NnTrainer) stopped_run = NULL;
  g_autoptr(NnTrainer) resumed = NULL;
  g_autofree char *dir = g_dir_make_tmp ("digit-lab-test-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "every-epoch.ckpt", NULL);
  g_autofree char *later = g_build_filename (dir, "after-stop.ckpt", NULL);
  g_autofree char *a = NULL, *b = NULL;
  gsize a_len, b_len;
  NnTrainConfig c;
  /* four reports an epoch: the sixth comes half-way through epoch 2 */
  HookLog log = { .stop_after = 6 };
  NnTrainHooks hooks = { on_progress, on_epoch, on_should_stop, &log };
  gboolean stopped = FALSE;
  const NnEpochStats *hs, *hr;
  guint n_hr;

  g_assert_no_error (error);
  tiny_config (&c);
  nn_optimizer_config_init (&c.optimizer, kind);
  if (extras)
    set_every_extra (&c);
  straight = nn_trainer_new (&c, ds, &error);
  g_assert_no_error (error);
  run_to_end (straight);

  c.checkpoint_path = g_strdup (path);
  stopped_run = nn_trainer_new (&c, ds, &error);
  g_assert_no_error (error);
  nn_train_config_clear (&c);
  g_assert_true (nn_trainer_run (stopped_run, &hooks, &stopped, &error));
  g_assert_no_error (error);
  g_assert_true (stopped);
  g_assert_cmpuint (log.last_batch, ==, 8);
  g_assert_cmpuint (nn_trainer_get_epochs_done (stopped_run), ==, 1);
  g_assert_cmpuint (checkpoint_epochs (path), ==, 1);

  /* saved from the middle of epoch 2, it is still the end of epoch 1, byte for byte */
  g_assert_true (nn_trainer_save_checkpoint (stopped_run, later, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &a, &a_len, NULL));
  g_assert_true (g_file_get_contents (later, &b, &b_len, NULL));
  g_assert_cmpmem (a, a_len, b, b_len);

  resumed = nn_trainer_new_from_checkpoint (later, ds, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (nn_trainer_get_epochs_done (resumed), ==, 1);
  /* the whole recipe came back, and the schedule stands where it stood */
  g_assert_cmpmem (&nn_trainer_get_config (resumed)->extras, sizeof (NnTrainExtras),
                   &nn_trainer_get_config (straight)->extras, sizeof (NnTrainExtras));
  g_assert_cmpint (nn_trainer_get_config (resumed)->optimizer.kind, ==,
                   nn_trainer_get_config (straight)->optimizer.kind);
  g_assert_cmpfloat (nn_trainer_get_config (resumed)->optimizer.weight_decay, ==,
                     nn_trainer_get_config (straight)->optimizer.weight_decay);
  if (extras)
    {
      NnLrSchedule sched = nn_trainer_get_config (straight)->extras.lr_schedule;

      /* 500 training images in batches of 32: 16 a epoch, 48 in all; one epoch done */
      g_assert_cmpfloat (nn_trainer_get_learning_rate (resumed), ==,
                         nn_lr_schedule_at (&sched, 3e-3, 16, 16, 48));
      g_assert_cmpfloat (nn_trainer_get_learning_rate (resumed), >, 3e-3 / 25);
    }
  run_to_end (resumed);
  assert_same_params (straight, resumed);
  hs = nn_trainer_get_history (straight, NULL);
  hr = nn_trainer_get_history (resumed, &n_hr);
  g_assert_cmpuint (n_hr, ==, 3);
  g_assert_cmpfloat (hs[2].val_loss, ==, hr[2].val_loss);
  g_assert_cmpmem (nn_trainer_get_best_params (straight, NULL),
                   sizeof (float) * nn_network_get_n_params (nn_trainer_get_network (straight)),
                   nn_trainer_get_best_params (resumed, NULL),
                   sizeof (float) * nn_network_get_n_params (nn_trainer_get_network (resumed)));

  /* the stopped trainer itself starts epoch 2 again from its beginning */
  log.stop_after = 0;
  g_assert_true (nn_trainer_run (stopped_run, &hooks, &stopped, &error));
  g_assert_no_error (error);
  g_assert_false (stopped);
  assert_same_params (straight, stopped_run);
  g_assert_cmpuint (checkpoint_epochs (path), ==, 3);

  g_assert_cmpint (g_remove (path), ==, 0);
  g_assert_cmpint (g_remove (later), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
test_trainer_resume_after_stop_adam (void)
{
  resume_after_stop (NN_OPTIMIZER_ADAM, FALSE);
}

static void
test_trainer_resume_after_stop_sgd (void)
{
  resume_after_stop (NN_OPTIMIZER_SGD, FALSE);
}

static void
test_trainer_resume_after_stop_extras (void)
{
  resume_after_stop (NN_OPTIMIZER_ADAMW, TRUE);
}

/* The whole training file: the validation images are trained on, the last epoch is kept, and
 * the model's record says so. */
static void
test_trainer_train_on_all (void)
{
  g_autoptr(NnDataset) ds = make_dataset ();
  g_autoptr(GError) error = NULL;
  g_autoptr(NnTrainer) t = NULL;
  g_autoptr(NnModel) model = NULL;
  g_autoptr(NnTrainer) resumed = NULL;
  g_autoptr(GError) dir_error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("digit-lab-all-XXXXXX", &dir_error);
  g_autofree char *path = g_build_filename (dir != NULL ? dir : ".", "ck.safetensors", NULL);
  const NnEpochStats *history;
  NnTrainConfig c;
  guint best, n_epochs;

  tiny_config (&c);
  c.extras.train_on_all = TRUE;
  t = nn_trainer_new (&c, ds, &error);
  nn_train_config_clear (&c);
  g_assert_no_error (error);
  g_assert_cmpuint (nn_trainer_get_n_train (t), ==, 600);
  run_to_end (t);
  g_assert_nonnull (nn_trainer_get_best_params (t, &best));
  g_assert_cmpuint (best, ==, 3);
  assert_params_equal_best (t);
  model = nn_trainer_dup_best_model (t, 1, &error);
  g_assert_no_error (error);
  g_assert_true (model->training.extras.train_on_all);
  g_assert_cmpuint (model->training.n_train, ==, 600);
  /* nothing held out: no validation figure, in the history or the model's record */
  history = nn_trainer_get_history (t, &n_epochs);
  g_assert_cmpuint (n_epochs, ==, 3);
  for (guint e = 0; e < n_epochs; e++)
    {
      g_assert_true (isnan (history[e].val_loss) && isnan (history[e].val_accuracy));
      g_assert_true (isfinite (history[e].train_accuracy));
    }
  g_assert_true (isnan (model->training.best_val_accuracy));
  /* and a checkpoint of it reads back, figures absent as they were */
  g_assert_no_error (dir_error);
  g_assert_true (nn_trainer_save_checkpoint (t, path, &error));
  g_assert_no_error (error);
  resumed = nn_trainer_new_from_checkpoint (path, ds, 1, &error);
  g_assert_no_error (error);
  history = nn_trainer_get_history (resumed, &n_epochs);
  g_assert_cmpuint (n_epochs, ==, 3);
  g_assert_true (isnan (history[2].val_accuracy) && history[2].is_best);
  g_assert_cmpfloat (history[2].train_loss, ==, nn_trainer_get_history (t, NULL)[2].train_loss);
  g_remove (path);
  g_rmdir (dir);
}

/* Out-of-range extras are refused by the one check every reader uses. */
static void
test_trainer_extras_bounds (void)
{
  NnTrainConfig c;
  g_autoptr(GError) error = NULL;

  tiny_config (&c);
  g_assert_true (nn_train_config_check (&c, 600, NULL));
  c.extras.label_smoothing = 0.6f;
  g_assert_false (nn_train_config_check (&c, 600, &error));
  g_assert_error (error, NN_TRAINER_ERROR, NN_TRAINER_ERROR_BAD_CONFIG);
  g_assert_nonnull (strstr (error->message, "label smoothing"));
  g_clear_error (&error);
  c.extras.label_smoothing = 0;
  c.extras.lr_schedule.kind = NN_LR_SCHEDULE_COSINE;
  c.extras.lr_schedule.min_lr = 1;
  g_assert_false (nn_train_config_check (&c, 600, &error));
  g_assert_nonnull (strstr (error->message, "floor"));
  nn_train_config_clear (&c);
}

/* A checkpoint taken before any epoch holds the start: resuming it is training from scratch. */
static void
test_trainer_checkpoint_before_training (void)
{
  g_autoptr(NnDataset) ds = make_dataset ();
  g_autoptr(GError) error = NULL;
  g_autoptr(NnTrainer) straight = NULL;
  g_autoptr(NnTrainer) fresh = NULL;
  g_autoptr(NnTrainer) resumed = NULL;
  g_autofree char *dir = g_dir_make_tmp ("digit-lab-test-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "start.ckpt", NULL);
  NnTrainConfig c;

  g_assert_no_error (error);
  tiny_config (&c);
  c.epochs = 2;
  straight = nn_trainer_new (&c, ds, &error);
  g_assert_no_error (error);
  fresh = nn_trainer_new (&c, ds, &error);
  g_assert_no_error (error);
  nn_train_config_clear (&c);
  run_to_end (straight);

  g_assert_true (nn_trainer_save_checkpoint (fresh, path, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (checkpoint_epochs (path), ==, 0);
  resumed = nn_trainer_new_from_checkpoint (path, ds, 2, &error);
  g_assert_no_error (error);
  g_assert_null (nn_trainer_get_best_params (resumed, NULL));
  run_to_end (resumed);
  assert_same_params (straight, resumed);

  g_assert_cmpint (g_remove (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

typedef struct
{
  const char *path;
  guint       n_epochs;
} CheckpointLog;

static void
on_epoch_check_file (const NnEpochStats *s,
                     gpointer            user_data)
{
  CheckpointLog *log = user_data;

  /* by the time an epoch is reported, its checkpoint is on disk */
  log->n_epochs++;
  g_assert_cmpuint (checkpoint_epochs (log->path), ==, s->epoch);
}

static void
test_trainer_checkpoint_every_epoch (void)
{
  g_autoptr(NnDataset) ds = make_dataset ();
  g_autoptr(GError) error = NULL;
  g_autoptr(NnTrainer) t = NULL;
  g_autofree char *dir = g_dir_make_tmp ("digit-lab-test-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "ckpt.safetensors", NULL);
  CheckpointLog log = { path, 0 };
  NnTrainHooks hooks = { NULL, on_epoch_check_file, NULL, &log };
  NnTrainConfig c;

  g_assert_no_error (error);
  tiny_config (&c);
  c.checkpoint_path = g_strdup (path);
  t = nn_trainer_new (&c, ds, &error);
  nn_train_config_clear (&c);
  g_assert_no_error (error);
  g_assert_true (nn_trainer_run (t, &hooks, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (log.n_epochs, ==, 3);

  g_assert_cmpint (g_remove (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* A checkpoint that cannot be written stops the run after the epoch, which is kept. */
static void
test_trainer_checkpoint_write_fails (void)
{
  g_autoptr(NnDataset) ds = make_dataset ();
  g_autoptr(GError) error = NULL;
  g_autoptr(NnTrainer) t = NULL;
  g_autoptr(NnModel) model = NULL;
  HookLog log = { 0 };
  NnTrainHooks hooks = { on_progress, on_epoch, NULL, &log };
  NnTrainConfig c;

  tiny_config (&c);
  c.checkpoint_path = g_strdup ("/nonexistent/folder/ckpt.safetensors");
  t = nn_trainer_new (&c, ds, &error);
  nn_train_config_clear (&c);
  g_assert_no_error (error);
  g_assert_false (nn_trainer_run (t, &hooks, NULL, &error));
  g_assert_error (error, NN_TRAINER_ERROR, NN_TRAINER_ERROR_CHECKPOINT_WRITE);
  g_clear_error (&error);
  g_assert_cmpuint (log.n_epochs, ==, 1);
  g_assert_cmpuint (nn_trainer_get_epochs_done (t), ==, 1);
  model = nn_trainer_dup_best_model (t, 1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (model);
}

static void
test_trainer_bad_checkpoint (void)
{
  g_autoptr(NnDataset) ds = make_dataset ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("digit-lab-test-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "junk.safetensors", NULL);
  g_autoptr(NnTrainer) t = NULL;

  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (path, "not a checkpoint at all", -1, &error));
  t = nn_trainer_new_from_checkpoint (path, ds, 1, &error);
  g_assert_null (t);
  g_assert_nonnull (error);
  g_clear_error (&error);
  t = nn_trainer_new_from_checkpoint ("/nonexistent/checkpoint.safetensors", ds, 1, &error);
  g_assert_null (t);
  g_assert_nonnull (error);
  g_remove (path);
  g_rmdir (dir);
}

static void
test_trainer_stop (void)
{
  g_autoptr(NnDataset) ds = make_dataset ();
  g_autoptr(GError) error = NULL;
  g_autoptr(NnTrainer) t = NULL;
  NnTrainConfig c;
  HookLog log = { .stop_after = 2 };
  NnTrainHooks hooks = { on_progress, on_epoch, on_should_stop, &log };
  gboolean stopped = FALSE;

  tiny_config (&c);
  t = nn_trainer_new (&c, ds, &error);
  nn_train_config_clear (&c);
  g_assert_true (nn_trainer_run (t, &hooks, &stopped, &error));
  g_assert_no_error (error);
  g_assert_true (stopped);
  g_assert_cmpuint (log.n_epochs, ==, 0);
  g_assert_cmpuint (log.last_batch, ==, 8);
  g_assert_cmpuint (nn_trainer_get_epochs_done (t), ==, 0);
}

static void
test_trainer_diverges (void)
{
  g_autoptr(NnDataset) ds = make_dataset ();
  g_autoptr(GError) error = NULL;
  g_autoptr(NnTrainer) t = NULL;
  NnTrainConfig c;

  tiny_config (&c);
  t = nn_trainer_new (&c, ds, &error);
  nn_train_config_clear (&c);
  g_assert_no_error (error);
  /* a weight that overflowed: the first loss is not finite and training must stop, not go on */
  nn_network_get_params (nn_trainer_get_network (t))[0] = INFINITY;
  g_assert_false (nn_trainer_run (t, NULL, NULL, &error));
  g_assert_error (error, NN_TRAINER_ERROR, NN_TRAINER_ERROR_DIVERGED);
}

static void
test_trainer_bad_config (void)
{
  g_autoptr(NnDataset) ds = make_dataset ();
  NnTrainConfig c;
  g_autoptr(GError) error = NULL;
  NnTrainer *t;

  tiny_config (&c);
  c.validation_size = 600;
  t = nn_trainer_new (&c, ds, &error);
  g_assert_null (t);
  g_assert_error (error, NN_TRAINER_ERROR, NN_TRAINER_ERROR_BAD_CONFIG);
  g_clear_error (&error);

  c.validation_size = 100;
  c.batch_size = 0;
  t = nn_trainer_new (&c, ds, &error);
  g_assert_null (t);
  g_assert_error (error, NN_TRAINER_ERROR, NN_TRAINER_ERROR_BAD_CONFIG);
  g_clear_error (&error);

  /* 10 outputs for a 4-class dataset */
  c.batch_size = 32;
  g_free (c.spec);
  c.spec = g_strdup ("flatten dense(10)");
  t = nn_trainer_new (&c, ds, &error);
  g_assert_null (t);
  g_assert_error (error, NN_TRAINER_ERROR, NN_TRAINER_ERROR_BAD_CONFIG);
  nn_train_config_clear (&c);
}

/* Integration on the real data: one epoch of the reference recipe reaches 97% test accuracy. */
static void
test_trainer_mnist_one_epoch (void)
{
  const char *dir = g_getenv ("DIGIT_LAB_MNIST_DIR");
  g_autoptr(GError) error = NULL;
  g_autoptr(NnDataset) ds = NULL;
  g_autoptr(NnTrainer) t = NULL;
  NnTrainConfig c;
  const NnEpochStats *h;

  if (dir == NULL || !g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      if (g_getenv ("DIGIT_LAB_REQUIRE_MNIST") != NULL)
        g_error ("DIGIT_LAB_MNIST_DIR does not name the MNIST folder, but the real data is required");
      g_test_skip ("needs the real MNIST: set DIGIT_LAB_MNIST_DIR");
      return;
    }
  ds = nn_dataset_load_dir (dir, &error);
  g_assert_no_error (error);
  nn_train_config_init (&c);
  c.epochs = 1;
  t = nn_trainer_new (&c, ds, &error);
  nn_train_config_clear (&c);
  g_assert_no_error (error);
  run_to_end (t);
  h = nn_trainer_get_history (t, NULL);
  g_test_message ("1 epoch: test accuracy %.4f, validation %.4f, %.0f images/s",
                  h[0].test_accuracy, h[0].val_accuracy, h[0].samples_per_second);
  g_assert_cmpfloat (h[0].test_accuracy, >=, 0.97);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/trainer/learns", test_trainer_learns);
  g_test_add_func ("/engine/trainer/normalisation", test_trainer_normalisation);
  g_test_add_func ("/engine/trainer/deterministic", test_trainer_deterministic);
  g_test_add_func ("/engine/trainer/resume", test_trainer_resume);
  g_test_add_func ("/engine/trainer/resume-after-stop/adam", test_trainer_resume_after_stop_adam);
  g_test_add_func ("/engine/trainer/resume-after-stop/sgd", test_trainer_resume_after_stop_sgd);
  g_test_add_func ("/engine/trainer/resume-after-stop/extras",
                   test_trainer_resume_after_stop_extras);
  g_test_add_func ("/engine/trainer/train-on-all", test_trainer_train_on_all);
  g_test_add_func ("/engine/trainer/extras-bounds", test_trainer_extras_bounds);
  g_test_add_func ("/engine/trainer/checkpoint-every-epoch", test_trainer_checkpoint_every_epoch);
  g_test_add_func ("/engine/trainer/checkpoint-before-training",
                   test_trainer_checkpoint_before_training);
  g_test_add_func ("/engine/trainer/checkpoint-write-fails", test_trainer_checkpoint_write_fails);
  g_test_add_func ("/engine/trainer/bad-checkpoint", test_trainer_bad_checkpoint);
  g_test_add_func ("/engine/trainer/stop", test_trainer_stop);
  g_test_add_func ("/engine/trainer/diverges", test_trainer_diverges);
  g_test_add_func ("/engine/trainer/bad-config", test_trainer_bad_config);
  g_test_add_func ("/engine/trainer/mnist-one-epoch", test_trainer_mnist_one_epoch);
  return g_test_run ();
}
