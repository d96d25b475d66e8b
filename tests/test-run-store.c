/* test-run-store.c: the run store — recording epochs as they end, statuses (interrupted runs
 * told by their free lock), rename, trash and restore, disk usage, exports, bounded curves,
 * resume, and run folders that are damaged or hostile */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "fixtures.h"
#include "nn-checkpoint.h"
#include "nn-json.h"
#include "nn-model.h"
#include "nn-run-store.h"
#include "nn-trainer.h"

#define TINY_SPEC "conv(4,3,pad=1) relu maxpool(2) flatten dense(4)"

/* ---- fixtures ------------------------------------------------------------------------------ */

/* Four classes of 12×12 images: a bright bar in one of four places, with noise. */
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

      set->labels[i] = label;
      for (int p = 0; p < 144; p++)
        img[p] = (guint8) nn_rng_below (&rng, 40);
      for (int t = 2; t < 10; t++)
        {
          int r = label < 2 ? 3 + 5 * label : t;
          int c = label < 2 ? t : 3 + 5 * (label - 2);

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
  ds->train = make_bars (300, 1);
  ds->test = make_bars (100, 2);
  return ds;
}

static void
tiny_config (NnTrainConfig *c,
             guint          epochs)
{
  nn_train_config_init (c);
  g_free (c->spec);
  c->spec = g_strdup (TINY_SPEC);
  c->epochs = epochs;
  c->batch_size = 25;
  c->validation_size = 50;
  c->rotation_degrees = 5;
  c->n_threads = 1;
  c->seed = 42;
  c->progress_every = 4;
}

static NnTrainer *
make_trainer (const NnDataset *ds,
              guint            epochs)
{
  g_autoptr(GError) error = NULL;
  NnTrainConfig c;
  NnTrainer *t;

  tiny_config (&c, epochs);
  t = nn_trainer_new (&c, ds, &error);
  nn_train_config_clear (&c);
  g_assert_no_error (error);
  return t;
}

static void
remove_all (const char *path)
{
  GStatBuf info;

  if (g_lstat (path, &info) != 0)
    return;
  if (S_ISDIR (info.st_mode))
    {
      g_autoptr(GDir) d = g_dir_open (path, 0, NULL);
      const char *name;

      while (d != NULL && (name = g_dir_read_name (d)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          remove_all (child);
        }
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

typedef struct
{
  char       *dir;
  NnRunStore *store;
  NnDataset  *ds;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("digit-lab-runs-XXXXXX", &error);
  g_assert_no_error (error);
  f->store = nn_run_store_new (f->dir, &error);
  g_assert_no_error (error);
  f->ds = make_dataset ();
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  nn_run_store_free (f->store);
  nn_dataset_unref (f->ds);
  remove_all (f->dir);
  g_free (f->dir);
}

/* Records a run of `epochs` epochs to its end; returns its id. */
static char *
record_run (Fixture    *f,
            guint       epochs,
            const char *name)
{
  g_autoptr(NnTrainer) t = make_trainer (f->ds, epochs);
  g_autoptr(GError) error = NULL;
  NnRunRecorder *rec = nn_run_recorder_new (f->store, t, f->ds, name, &error);
  char *id;

  g_assert_no_error (error);
  id = g_strdup (nn_run_recorder_get_id (rec));
  nn_trainer_set_recorder (t, rec);
  g_assert_true (nn_trainer_run (t, NULL, NULL, &error));
  g_assert_no_error (error);
  return id;
}

static NnRun *
load (Fixture    *f,
      const char *id)
{
  g_autoptr(GError) error = NULL;
  NnRun *run = nn_run_store_load (f->store, id, &error);

  g_assert_no_error (error);
  g_assert_nonnull (run);
  return run;
}

static char *
run_file (Fixture    *f,
          const char *id,
          const char *name)
{
  return g_build_filename (f->dir, id, name, NULL);
}

/* ---- recording ------------------------------------------------------------------------------ */

typedef struct
{
  Fixture  *f;
  char     *id;
  guint     n_checked;
  guint     stop_after_epoch;
  gboolean  stop;
} EpochCheck;

/* At each epoch's end, before anyone is told, the files already say so */
static void
on_epoch_check_disk (const NnEpochStats *s,
                     gpointer            user_data)
{
  EpochCheck *c = user_data;
  g_autoptr(NnRun) run = load (c->f, c->id);
  g_autofree char *checkpoint = run_file (c->f, c->id, NN_RUN_CHECKPOINT_FILE);
  g_autoptr(NnCheckpoint) ck = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (run->n_epochs, ==, s->epoch);
  g_assert_cmpint (run->status, ==, NN_RUN_STATUS_RUNNING);
  g_assert_cmpfloat (run->epochs[s->epoch - 1].stats.val_loss, ==, s->val_loss);
  ck = nn_checkpoint_open (checkpoint, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ck->epochs_done, ==, s->epoch);
  c->n_checked++;
  if (c->stop_after_epoch > 0 && s->epoch == c->stop_after_epoch)
    c->stop = TRUE;
}

static gboolean
on_should_stop (gpointer user_data)
{
  EpochCheck *c = user_data;

  return c->stop;
}

static void
test_record (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(NnTrainer) t = make_trainer (f->ds, 3);
  g_autoptr(GError) error = NULL;
  g_autoptr(NnRun) run = NULL;
  g_autoptr(NnModel) model = NULL;
  g_autoptr(NnRunCurves) curves = NULL;
  g_autofree char *model_dir = NULL;
  g_autofree char *id = NULL;
  EpochCheck check = { f };
  NnTrainHooks hooks = { NULL, on_epoch_check_disk, NULL, &check };
  NnRunRecorder *rec;
  const NnEpochStats *history;
  guint n_history, best_epoch;
  guint64 n_batches = 0;
  GDir *d;
  const char *name;

  rec = nn_run_recorder_new (f->store, t, f->ds, "first try", &error);
  g_assert_no_error (error);
  id = g_strdup (nn_run_recorder_get_id (rec));
  check.id = id;
  g_assert_true (nn_run_id_is_valid (id));
  nn_trainer_set_recorder (t, rec);
  g_assert_true (nn_trainer_get_recorder (t) == rec);

  /* before training: listed as running, no epochs */
  run = load (f, id);
  g_assert_cmpint (run->status, ==, NN_RUN_STATUS_RUNNING);
  g_assert_cmpuint (run->n_epochs, ==, 0);
  g_assert_false (nn_run_can_resume (run));
  g_assert_null (nn_run_dup_model_dir (run));
  g_clear_pointer (&run, nn_run_free);

  g_assert_true (nn_trainer_run (t, &hooks, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (check.n_checked, ==, 3);

  run = load (f, id);
  history = nn_trainer_get_history (t, &n_history);
  nn_trainer_get_best_params (t, &best_epoch);
  g_assert_cmpstr (run->id, ==, id);
  g_assert_cmpstr (run->name, ==, "first try");
  g_assert_cmpint (run->status, ==, NN_RUN_STATUS_FINISHED);
  g_assert_null (run->problem);
  g_assert_nonnull (run->ended_iso);
  g_assert_cmpint (run->ended, >=, run->started);
  g_assert_true (g_str_has_suffix (run->started_iso, "Z"));
  g_assert_cmpfloat (run->duration, >, 0);
  g_assert_cmpstr (run->recipe.spec, ==, TINY_SPEC);
  g_assert_cmpuint (run->recipe.epochs, ==, 3);
  g_assert_cmpuint (run->recipe.batch_size, ==, 25);
  g_assert_cmpuint (run->recipe.seed, ==, 42);
  g_assert_cmpfloat (run->recipe.rotation_degrees, ==, 5);
  g_assert_cmpuint (run->recipe.n_threads, ==, 1);
  g_assert_cmpuint (run->threads, ==, 1);
  g_assert_nonnull (run->kernel);
  g_assert_cmpstr (run->dataset_name, ==, "bars");
  g_assert_cmpstr (run->dataset_sha256[0], ==, "");
  g_assert_cmpuint (run->n_train_file, ==, 300);
  g_assert_cmpuint (run->n_train, ==, 250);
  g_assert_cmpuint (run->n_params, ==,
                    nn_network_get_n_params (nn_trainer_get_network (t)));
  g_assert_cmpuint (run->n_epochs, ==, n_history);
  for (guint i = 0; i < n_history; i++)
    {
      g_assert_cmpmem (&run->epochs[i].stats, sizeof (NnEpochStats), &history[i],
                       sizeof (NnEpochStats));
      g_assert_cmpuint (run->epochs[i].images, ==, (i + 1) * 250);
      g_assert_true (isfinite (run->epochs[i].elapsed));
    }
  g_assert_cmpuint (run->best_epoch, ==, best_epoch);
  g_assert_cmpfloat (run->best_val_accuracy, ==, history[best_epoch - 1].val_accuracy);
  g_assert_cmpfloat (run->best_test_accuracy, ==, history[best_epoch - 1].test_accuracy);
  g_assert_true (nn_run_can_resume (run));

  /* the best model is a model folder with the best weights and their test accuracy */
  model_dir = nn_run_dup_model_dir (run);
  g_assert_nonnull (model_dir);
  model = nn_model_load (model_dir, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (nn_network_get_params (model->net),
                   nn_network_get_n_params (model->net) * sizeof (float),
                   nn_trainer_get_best_params (t, NULL),
                   nn_network_get_n_params (model->net) * sizeof (float));
  g_assert_cmpfloat (model->test_accuracy, ==, run->best_test_accuracy);
  g_assert_cmpuint (model->training.best_epoch, ==, best_epoch);

  /* every batch is in the curve: 3 epochs of 10 batches */
  curves = nn_run_load_curves (run, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (curves->span, ==, 1);
  g_assert_cmpuint (curves->n_points, ==, 30);
  for (size_t i = 0; i < curves->n_points; i++)
    {
      g_assert_cmpuint (curves->points[i].step, ==, i + 1);
      n_batches += curves->points[i].count;
    }
  g_assert_cmpuint (n_batches, ==, 30);
  g_assert_cmpuint (curves->points[29].images, ==, 750);

  /* nothing left over from the atomic writes */
  d = g_dir_open (run->dir, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (d)) != NULL)
    if (strcmp (name, NN_RUN_FILE) != 0 && strcmp (name, NN_RUN_CURVES_FILE) != 0 &&
        strcmp (name, NN_RUN_MODEL_DIR) != 0 && strcmp (name, NN_RUN_CHECKPOINT_FILE) != 0 &&
        strcmp (name, NN_RUN_LOCK_FILE) != 0)
      g_error ("unexpected file in the run folder: %s", name);
  g_dir_close (d);
}

/* run.json holds the same bytes in every locale: numbers by the nn-json writers */
static void
test_record_is_json (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *id = record_run (f, 2, "a \"quoted\" name\\with backslash");
  g_autofree char *path = run_file (f, id, NN_RUN_FILE);
  g_autofree char *text = NULL;
  g_autoptr(NnJsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(NnRun) run = NULL;
  g_autofree char *json = NULL;
  gsize length;

  g_assert_true (g_file_get_contents (path, &text, &length, &error));
  root = nn_json_parse (text, length, &error);
  g_assert_no_error (error);
  g_assert_cmpint (nn_json_node_get_kind (root), ==, NN_JSON_OBJECT);
  g_assert_nonnull (strstr (text, "\"seed\":\"42\""));
  g_assert_nonnull (strstr (text, "\"status\":\"finished\""));
  /* the export is run.json with the curves */
  run = load (f, id);
  json = nn_run_to_json (run, NULL);
  g_assert_cmpstr (json, ==, text);
  g_assert_cmpstr (run->name, ==, "a \"quoted\" name\\with backslash");
}

static void
test_statuses (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnTrainer) t = make_trainer (f->ds, 3);
  g_autoptr(NnTrainer) bad = make_trainer (f->ds, 3);
  g_autoptr(NnRun) run = NULL;
  g_autofree char *id = NULL;
  g_autofree char *bad_id = NULL;
  EpochCheck check = { f };
  NnTrainHooks hooks = { NULL, on_epoch_check_disk, on_should_stop, &check };
  NnRunRecorder *rec;
  gboolean stopped = FALSE;

  /* stopped by should_stop after the first epoch */
  rec = nn_run_recorder_new (f->store, t, f->ds, NULL, &error);
  g_assert_no_error (error);
  id = g_strdup (nn_run_recorder_get_id (rec));
  check.id = id;
  check.stop_after_epoch = 1;
  nn_trainer_set_recorder (t, rec);
  g_assert_true (nn_trainer_run (t, &hooks, &stopped, &error));
  g_assert_true (stopped);
  run = load (f, id);
  g_assert_cmpint (run->status, ==, NN_RUN_STATUS_STOPPED);
  g_assert_cmpuint (run->n_epochs, ==, 1);
  g_assert_nonnull (run->ended_iso);
  g_clear_pointer (&run, nn_run_free);

  /* running again: running while it runs, finished at the end; the stopped epoch's batches are
   * not counted twice */
  check.stop = FALSE;
  check.stop_after_epoch = 0;
  g_assert_true (nn_trainer_run (t, &hooks, &stopped, &error));
  g_assert_false (stopped);
  run = load (f, id);
  g_assert_cmpint (run->status, ==, NN_RUN_STATUS_FINISHED);
  g_assert_cmpuint (run->n_epochs, ==, 3);
  {
    g_autoptr(NnRunCurves) curves = nn_run_load_curves (run, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (curves->n_points, ==, 30);
    g_assert_cmpuint (curves->points[29].step, ==, 30);
  }
  g_clear_pointer (&run, nn_run_free);

  /* failed: diverged, with the message */
  rec = nn_run_recorder_new (f->store, bad, f->ds, NULL, &error);
  g_assert_no_error (error);
  bad_id = g_strdup (nn_run_recorder_get_id (rec));
  nn_trainer_set_recorder (bad, rec);
  nn_network_get_params (nn_trainer_get_network (bad))[0] = INFINITY;
  g_assert_false (nn_trainer_run (bad, NULL, NULL, &error));
  g_assert_error (error, NN_TRAINER_ERROR, NN_TRAINER_ERROR_DIVERGED);
  run = load (f, bad_id);
  g_assert_cmpint (run->status, ==, NN_RUN_STATUS_FAILED);
  g_assert_nonnull (strstr (run->problem, "diverged"));
  g_assert_false (nn_run_can_resume (run));
}

static void
test_interrupted (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnTrainer) t = make_trainer (f->ds, 3);
  g_autoptr(NnRun) run = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  g_autofree char *id = NULL;
  EpochCheck check = { f };
  NnTrainHooks hooks = { NULL, on_epoch_check_disk, on_should_stop, &check };
  NnRunRecorder *rec;

  rec = nn_run_recorder_new (f->store, t, f->ds, NULL, &error);
  g_assert_no_error (error);
  id = g_strdup (nn_run_recorder_get_id (rec));
  check.id = id;
  nn_trainer_set_recorder (t, rec);

  /* while the recorder holds the lock the run is running, and cannot be moved or renamed */
  runs = nn_run_store_list (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (runs->len, ==, 1);
  g_assert_cmpint (((NnRun *) runs->pdata[0])->status, ==, NN_RUN_STATUS_RUNNING);
  g_assert_false (nn_run_store_trash (f->store, id, &error));
  g_assert_error (error, NN_RUN_ERROR, NN_RUN_ERROR_BUSY);
  g_clear_error (&error);
  g_assert_false (nn_run_store_rename (f->store, id, "x", &error));
  g_assert_error (error, NN_RUN_ERROR, NN_RUN_ERROR_BUSY);
  g_clear_error (&error);
  g_assert_null (nn_run_store_resume (f->store, id, f->ds, 1, &error));
  g_assert_error (error, NN_RUN_ERROR, NN_RUN_ERROR_BUSY);
  g_clear_error (&error);

  /* two epochs, then the "process dies": the lock goes, run.json still says running */
  check.stop_after_epoch = 2;
  g_assert_true (nn_trainer_run (t, &hooks, NULL, &error));
  {
    /* undo the "stopped" the trainer wrote: as if it had been killed after epoch 2 */
    g_autofree char *path = run_file (f, id, NN_RUN_FILE);
    g_autofree char *text = NULL;
    g_autoptr(GString) s = NULL;

    g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
    s = g_string_new (text);
    g_assert_cmpuint (g_string_replace (s, "\"status\":\"stopped\"", "\"status\":\"running\"",
                                        1), ==, 1);
    g_assert_true (g_file_set_contents (path, s->str, s->len, NULL));
  }
  run = load (f, id);
  g_assert_cmpint (run->status, ==, NN_RUN_STATUS_RUNNING);   /* the lock is still held */
  g_clear_pointer (&run, nn_run_free);
  nn_trainer_set_recorder (t, NULL);

  g_clear_pointer (&runs, g_ptr_array_unref);
  runs = nn_run_store_list (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (runs->len, ==, 1);
  run = load (f, id);
  g_assert_cmpint (run->status, ==, NN_RUN_STATUS_INTERRUPTED);
  g_assert_cmpint (((NnRun *) runs->pdata[0])->status, ==, NN_RUN_STATUS_INTERRUPTED);
  g_assert_cmpuint (run->n_epochs, ==, 2);
  g_assert_true (nn_run_can_resume (run));

  /* a missing lock file is an interrupted run too */
  {
    g_autofree char *lock = run_file (f, id, NN_RUN_LOCK_FILE);

    g_assert_cmpint (g_unlink (lock), ==, 0);
    g_clear_pointer (&run, nn_run_free);
    run = load (f, id);
    g_assert_cmpint (run->status, ==, NN_RUN_STATUS_INTERRUPTED);
  }

  /* an interrupted run resumes to its end */
  {
    g_autoptr(NnTrainer) resumed = nn_run_store_resume (f->store, id, f->ds, 1, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (nn_trainer_get_epochs_done (resumed), ==, 2);
    g_assert_true (nn_trainer_run (resumed, NULL, NULL, &error));
    g_assert_no_error (error);
    g_clear_pointer (&run, nn_run_free);
    run = load (f, id);
    g_assert_cmpint (run->status, ==, NN_RUN_STATUS_FINISHED);
    g_assert_cmpuint (run->n_epochs, ==, 3);
    g_assert_cmpuint (run->n_resumes, ==, 1);
  }
}

/* Stopped after two of four epochs (as if killed), resumed: the weights of an unbroken run. */
static void
test_resume (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnTrainer) straight = make_trainer (f->ds, 4);
  g_autoptr(NnTrainer) t = make_trainer (f->ds, 4);
  g_autoptr(NnTrainer) resumed = NULL;
  g_autoptr(NnRun) run = NULL;
  g_autoptr(NnRunCurves) curves = NULL;
  g_autofree char *id = NULL;
  EpochCheck check = { f };
  NnTrainHooks hooks = { NULL, on_epoch_check_disk, on_should_stop, &check };
  NnRunRecorder *rec;
  size_t n_params;

  g_assert_true (nn_trainer_run (straight, NULL, NULL, &error));

  rec = nn_run_recorder_new (f->store, t, f->ds, "to resume", &error);
  g_assert_no_error (error);
  id = g_strdup (nn_run_recorder_get_id (rec));
  check.id = id;
  check.stop_after_epoch = 2;
  nn_trainer_set_recorder (t, rec);
  g_assert_true (nn_trainer_run (t, &hooks, NULL, &error));
  g_clear_pointer (&t, nn_trainer_free);

  resumed = nn_run_store_resume (f->store, id, f->ds, 1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (resumed);
  g_assert_cmpstr (nn_run_recorder_get_id (nn_trainer_get_recorder (resumed)), ==, id);
  g_assert_cmpuint (nn_trainer_get_epochs_done (resumed), ==, 2);
  run = load (f, id);
  g_assert_cmpint (run->status, ==, NN_RUN_STATUS_RUNNING);
  g_assert_cmpuint (run->n_resumes, ==, 1);
  g_clear_pointer (&run, nn_run_free);
  /* one recorder at a time */
  g_assert_null (nn_run_store_resume (f->store, id, f->ds, 1, &error));
  g_assert_error (error, NN_RUN_ERROR, NN_RUN_ERROR_BUSY);
  g_clear_error (&error);

  g_assert_true (nn_trainer_run (resumed, NULL, NULL, &error));
  g_assert_no_error (error);
  n_params = nn_network_get_n_params (nn_trainer_get_network (straight));
  g_assert_cmpmem (nn_network_get_params (nn_trainer_get_network (resumed)),
                   n_params * sizeof (float),
                   nn_network_get_params (nn_trainer_get_network (straight)),
                   n_params * sizeof (float));

  run = load (f, id);
  g_assert_cmpint (run->status, ==, NN_RUN_STATUS_FINISHED);
  g_assert_cmpuint (run->n_epochs, ==, 4);
  g_assert_cmpstr (run->name, ==, "to resume");
  for (guint i = 0; i < 4; i++)
    g_assert_cmpuint (run->epochs[i].stats.epoch, ==, i + 1);
  curves = nn_run_load_curves (run, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (curves->n_points, ==, 40);
  for (size_t i = 0; i < curves->n_points; i++)
    g_assert_cmpuint (curves->points[i].step, ==, i + 1);
  {
    g_autofree char *model_dir = nn_run_dup_model_dir (run);
    g_autoptr(NnModel) model = nn_model_load (model_dir, 1, &error);

    g_assert_no_error (error);
    g_assert_cmpfloat (model->test_accuracy, ==, run->best_test_accuracy);
  }
}

/* A trainer resumed from a checkpoint file starts a new run that brings its epochs along. */
static void
test_record_from_checkpoint (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnTrainer) first = make_trainer (f->ds, 2);
  g_autoptr(NnTrainer) t = NULL;
  g_autoptr(NnRun) run = NULL;
  g_autoptr(NnRunCurves) curves = NULL;
  g_autofree char *checkpoint = g_build_filename (f->dir, "elsewhere.ckpt", NULL);
  g_autofree char *id = NULL;
  NnRunRecorder *rec;

  nn_trainer_set_checkpoint_path (first, checkpoint);
  g_assert_true (nn_trainer_run (first, NULL, NULL, &error));
  t = nn_trainer_new_from_checkpoint (checkpoint, f->ds, 1, &error);
  g_assert_no_error (error);
  nn_trainer_set_epochs (t, 3);
  rec = nn_run_recorder_new (f->store, t, f->ds, NULL, &error);
  g_assert_no_error (error);
  id = g_strdup (nn_run_recorder_get_id (rec));
  nn_trainer_set_recorder (t, rec);

  run = load (f, id);
  g_assert_cmpuint (run->n_epochs, ==, 2);
  g_assert_true (isnan (run->epochs[0].elapsed));
  g_assert_cmpuint (run->best_epoch, >, 0);
  g_clear_pointer (&run, nn_run_free);

  g_assert_true (nn_trainer_run (t, NULL, NULL, &error));
  g_assert_no_error (error);
  run = load (f, id);
  g_assert_cmpuint (run->n_epochs, ==, 3);
  g_assert_cmpint (run->status, ==, NN_RUN_STATUS_FINISHED);
  g_assert_true (isfinite (run->epochs[2].elapsed));
  curves = nn_run_load_curves (run, &error);
  g_assert_no_error (error);
  /* the third epoch's ten batches, numbered as steps of the whole run */
  g_assert_cmpuint (curves->n_points, ==, 10);
  g_assert_cmpuint (curves->points[0].step, ==, 21);
  g_assert_cmpuint (curves->points[9].step, ==, 30);
  g_assert_cmpuint (curves->points[9].images, ==, 750);
  g_unlink (checkpoint);
}

/* A dataset whose files changed since the run is not resumed on. */
static void
test_resume_other_data (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *data_dir = fixture_dir ();
  g_autoptr(NnDataset) ds = NULL;
  g_autoptr(NnDataset) changed = NULL;
  g_autoptr(NnTrainer) t = NULL;
  g_autoptr(NnRun) run = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  NnTrainConfig c;
  NnRunRecorder *rec;

  fixture_write_split (data_dir, "train", 120, 12, 12, 4, FALSE, 1);
  fixture_write_split (data_dir, "t10k", 40, 12, 12, 4, FALSE, 2);
  ds = nn_dataset_load_dir (data_dir, &error);
  g_assert_no_error (error);
  tiny_config (&c, 2);
  g_free (c.spec);
  c.spec = g_strdup ("flatten dense(10)");
  c.validation_size = 20;
  t = nn_trainer_new (&c, ds, &error);
  nn_train_config_clear (&c);
  g_assert_no_error (error);
  rec = nn_run_recorder_new (f->store, t, ds, NULL, &error);
  g_assert_no_error (error);
  id = g_strdup (nn_run_recorder_get_id (rec));
  nn_trainer_set_recorder (t, rec);
  nn_trainer_set_epochs (t, 1);
  g_assert_true (nn_trainer_run (t, NULL, NULL, &error));
  g_clear_pointer (&t, nn_trainer_free);

  run = load (f, id);
  for (int i = 0; i < 4; i++)
    g_assert_cmpuint (strlen (run->dataset_sha256[i]), ==, 64);
  g_assert_cmpstr (run->dataset_dir, ==, data_dir);

  /* same counts, other pixels */
  fixture_write_split (data_dir, "t10k", 40, 12, 12, 4, FALSE, 3);
  changed = nn_dataset_load_dir (data_dir, &error);
  g_assert_no_error (error);
  g_assert_null (nn_run_store_resume (f->store, id, changed, 1, &error));
  g_assert_error (error, NN_RUN_ERROR, NN_RUN_ERROR_MISMATCH);
  g_clear_error (&error);
  /* the refusal leaves the run as it was, unlocked */
  g_clear_pointer (&run, nn_run_free);
  run = load (f, id);
  g_assert_cmpint (run->status, ==, NN_RUN_STATUS_FINISHED);
  g_assert_true (nn_run_can_resume (run));
  fixture_remove_dir (data_dir);
}

/* run.json cannot be replaced (a folder took its place): the epoch is complete and reported, the
 * run stops with NN_TRAINER_ERROR_RECORD_WRITE */
typedef struct
{
  char  *path;
  guint  n_epochs;
} BreakLog;

static void
on_progress_break (const NnTrainProgress *p,
                   gpointer               user_data)
{
  BreakLog *log = user_data;

  if (p->epoch == 2 && g_file_test (log->path, G_FILE_TEST_IS_REGULAR))
    {
      g_assert_cmpint (g_unlink (log->path), ==, 0);
      g_assert_cmpint (g_mkdir (log->path, 0755), ==, 0);
    }
}

static void
on_epoch_count (const NnEpochStats *s,
                gpointer            user_data)
{
  BreakLog *log = user_data;

  log->n_epochs++;
}

static void
test_record_write_fails (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(NnTrainer) t = make_trainer (f->ds, 3);
  g_autoptr(GError) error = NULL;
  NnRunRecorder *rec = nn_run_recorder_new (f->store, t, f->ds, NULL, &error);
  BreakLog log = { 0 };
  NnTrainHooks hooks = { on_progress_break, on_epoch_count, NULL, &log };

  g_assert_no_error (error);
  log.path = g_build_filename (nn_run_recorder_get_dir (rec), NN_RUN_FILE, NULL);
  nn_trainer_set_recorder (t, rec);
  g_assert_false (nn_trainer_run (t, &hooks, NULL, &error));
  g_assert_error (error, NN_TRAINER_ERROR, NN_TRAINER_ERROR_RECORD_WRITE);
  g_assert_nonnull (strstr (error->message, "epoch 2"));
  g_assert_cmpuint (log.n_epochs, ==, 2);
  g_assert_cmpuint (nn_trainer_get_epochs_done (t), ==, 2);
  g_free (log.path);
}

/* ---- the store --------------------------------------------------------------------------- */

static void
test_list_sorted (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *a = record_run (f, 1, "a");
  g_autofree char *b = record_run (f, 1, "b");
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(NnRun) last = NULL;
  g_autoptr(NnRun) prefix = NULL;
  g_autofree char *renamed = NULL;

  /* a third run that started a day earlier: its id and start time say so */
  {
    g_autofree char *from = run_file (f, a, NN_RUN_FILE);
    g_autofree char *text = NULL;
    g_autoptr(GString) s = NULL;
    g_autoptr(NnRun) run = load (f, a);
    g_autofree char *old_id = g_strdup_printf ("20000101-000000-%s", a + 16);
    g_autofree char *old_dir = g_build_filename (f->dir, old_id, NULL);
    g_autofree char *to = g_build_filename (old_dir, NN_RUN_FILE, NULL);

    g_assert_true (g_file_get_contents (from, &text, NULL, NULL));
    s = g_string_new (text);
    g_string_replace (s, a, old_id, 0);
    g_string_replace (s, run->started_iso, "2000-01-01T00:00:00Z", 0);
    g_assert_cmpint (g_mkdir (old_dir, 0755), ==, 0);
    g_assert_true (g_file_set_contents (to, s->str, s->len, NULL));
    renamed = g_steal_pointer (&old_id);
  }

  runs = nn_run_store_list (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (runs->len, ==, 3);
  g_assert_cmpstr (((NnRun *) runs->pdata[0])->id, ==, renamed);
  g_assert_cmpint (((NnRun *) runs->pdata[0])->status, ==, NN_RUN_STATUS_FINISHED);
  for (guint i = 1; i < runs->len; i++)
    g_assert_cmpint (((NnRun *) runs->pdata[i - 1])->started, <=,
                     ((NnRun *) runs->pdata[i])->started);

  last = nn_run_store_find (f->store, "last", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (last->id, ==, ((NnRun *) runs->pdata[2])->id);
  prefix = nn_run_store_find (f->store, "2000", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (prefix->id, ==, renamed);
  g_assert_null (nn_run_store_find (f->store, "nothing-like-it", &error));
  g_assert_error (error, NN_RUN_ERROR, NN_RUN_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (nn_run_store_load (f->store, "../../etc", &error));
  g_assert_error (error, NN_RUN_ERROR, NN_RUN_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (nn_run_store_load (f->store, "20000101-000000-ffff", &error));
  g_assert_error (error, NN_RUN_ERROR, NN_RUN_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* bulk removal of the old ones: into the trash */
  {
    guint n = 0;

    g_assert_true (nn_run_store_trash_before (f->store, 946684800 + 86400, &n, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (n, ==, 1);
    g_clear_pointer (&runs, g_ptr_array_unref);
    runs = nn_run_store_list (f->store, &error);
    g_assert_cmpuint (runs->len, ==, 2);
  }
}

static void
test_rename (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *id = record_run (f, 1, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(NnRun) run = NULL;
  g_autofree char *long_name = g_strnfill (NN_RUN_MAX_NAME + 1, 'x');
  g_autofree char *longest = g_strnfill (NN_RUN_MAX_NAME, 'x');

  run = load (f, id);
  g_assert_cmpstr (run->name, ==, "");
  g_clear_pointer (&run, nn_run_free);
  g_assert_true (nn_run_store_rename (f->store, id, "Adam, lr 0.002 — rotation 15°", &error));
  g_assert_no_error (error);
  run = load (f, id);
  g_assert_cmpstr (run->name, ==, "Adam, lr 0.002 — rotation 15°");
  g_assert_cmpint (run->status, ==, NN_RUN_STATUS_FINISHED);
  g_assert_cmpuint (run->n_epochs, ==, 1);
  g_clear_pointer (&run, nn_run_free);

  g_assert_true (nn_run_store_rename (f->store, id, longest, &error));
  g_assert_no_error (error);
  g_assert_false (nn_run_store_rename (f->store, id, long_name, &error));
  g_assert_error (error, NN_RUN_ERROR, NN_RUN_ERROR_BAD_NAME);
  g_clear_error (&error);
  g_assert_false (nn_run_store_rename (f->store, id, "bad\xff", &error));
  g_assert_error (error, NN_RUN_ERROR, NN_RUN_ERROR_BAD_NAME);
  g_clear_error (&error);
  g_assert_false (nn_run_store_rename (f->store, id, "two\nlines", &error));
  g_assert_error (error, NN_RUN_ERROR, NN_RUN_ERROR_BAD_NAME);
  g_clear_error (&error);
  g_assert_false (nn_run_store_rename (f->store, "20990101-000000-0000", "x", &error));
  g_assert_error (error, NN_RUN_ERROR, NN_RUN_ERROR_NOT_FOUND);
  g_clear_error (&error);
  run = load (f, id);
  g_assert_cmpstr (run->name, ==, longest);
}

static void
test_trash_restore (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *a = record_run (f, 1, "kept");
  g_autofree char *b = record_run (f, 1, "removed");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(GPtrArray) trash = NULL;
  g_autoptr(NnRun) run = NULL;
  guint64 before, after, trash_bytes = 0, run_bytes;

  run = load (f, b);
  run_bytes = nn_run_get_disk_usage (run);
  g_assert_cmpuint (run_bytes, >, 0);
  before = nn_run_store_get_disk_usage (f->store, &trash_bytes);
  g_assert_cmpuint (before, >=, 2 * run_bytes / 2);
  g_assert_cmpuint (trash_bytes, ==, 0);

  g_assert_true (nn_run_store_trash (f->store, b, &error));
  g_assert_no_error (error);
  runs = nn_run_store_list (f->store, &error);
  g_assert_cmpuint (runs->len, ==, 1);
  g_assert_cmpstr (((NnRun *) runs->pdata[0])->id, ==, a);
  trash = nn_run_store_list_trash (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (trash->len, ==, 1);
  g_assert_cmpstr (trash->pdata[0], ==, b);
  nn_run_store_get_disk_usage (f->store, &trash_bytes);
  g_assert_cmpuint (trash_bytes, >=, run_bytes);
  g_assert_null (nn_run_store_load (f->store, b, &error));
  g_assert_error (error, NN_RUN_ERROR, NN_RUN_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* undo */
  g_assert_true (nn_run_store_restore (f->store, b, &error));
  g_assert_no_error (error);
  g_clear_pointer (&run, nn_run_free);
  run = load (f, b);
  g_assert_cmpstr (run->name, ==, "removed");
  g_assert_cmpint (run->status, ==, NN_RUN_STATUS_FINISHED);
  g_assert_false (nn_run_store_restore (f->store, b, &error));
  g_assert_error (error, NN_RUN_ERROR, NN_RUN_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* trash and purge: gone for good, the space given back */
  g_assert_true (nn_run_store_trash (f->store, b, &error));
  g_assert_true (nn_run_store_purge (f->store, NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&trash, g_ptr_array_unref);
  trash = nn_run_store_list_trash (f->store, &error);
  g_assert_cmpuint (trash->len, ==, 0);
  after = nn_run_store_get_disk_usage (f->store, &trash_bytes);
  g_assert_cmpuint (after, <, before);
  g_assert_false (nn_run_store_restore (f->store, b, &error));
  g_assert_error (error, NN_RUN_ERROR, NN_RUN_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* delete: trash + purge in one */
  g_assert_true (nn_run_store_delete (f->store, a, &error));
  g_assert_no_error (error);
  g_clear_pointer (&runs, g_ptr_array_unref);
  runs = nn_run_store_list (f->store, &error);
  g_assert_cmpuint (runs->len, ==, 0);
  g_assert_false (nn_run_store_delete (f->store, a, &error));
  g_assert_error (error, NN_RUN_ERROR, NN_RUN_ERROR_NOT_FOUND);
}

/* ---- exports ------------------------------------------------------------------------------ */

static void
test_export_csv (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *id = record_run (f, 3, NULL);
  g_autoptr(NnRun) run = load (f, id);
  g_autoptr(NnRunCurves) curves = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *csv = nn_run_epochs_to_csv (run);
  g_autofree char *loss_csv = NULL;
  g_auto(GStrv) lines = g_strsplit (csv, "\n", -1);
  g_auto(GStrv) loss_lines = NULL;
  g_autofree char *json = NULL;
  g_autoptr(NnJsonNode) root = NULL;

  g_assert_cmpuint (g_strv_length (lines), ==, run->n_epochs + 2);
  g_assert_cmpstr (lines[0], ==, "epoch,train_loss,train_accuracy,val_loss,val_accuracy,"
                   "test_loss,test_accuracy,seconds,samples_per_second,elapsed,images,best");
  g_assert_cmpstr (lines[run->n_epochs + 1], ==, "");
  for (guint i = 0; i < run->n_epochs; i++)
    {
      g_auto(GStrv) cells = g_strsplit (lines[i + 1], ",", -1);
      const NnRunEpoch *e = &run->epochs[i];
      const double want[] = {
        e->stats.train_loss, e->stats.train_accuracy, e->stats.val_loss, e->stats.val_accuracy,
        e->stats.test_loss, e->stats.test_accuracy, e->stats.seconds,
        e->stats.samples_per_second, e->elapsed,
      };

      g_assert_cmpuint (g_strv_length (cells), ==, 12);
      g_assert_cmpuint (g_ascii_strtoull (cells[0], NULL, 10), ==, i + 1);
      /* exactly the recorded doubles */
      for (size_t k = 0; k < G_N_ELEMENTS (want); k++)
        g_assert_cmpfloat (g_ascii_strtod (cells[k + 1], NULL), ==, want[k]);
      g_assert_cmpuint (g_ascii_strtoull (cells[10], NULL, 10), ==, e->images);
      g_assert_cmpstr (cells[11], ==, e->stats.is_best ? "1" : "0");
    }

  curves = nn_run_load_curves (run, &error);
  g_assert_no_error (error);
  loss_csv = nn_run_curves_to_csv (curves);
  loss_lines = g_strsplit (loss_csv, "\n", -1);
  g_assert_cmpuint (g_strv_length (loss_lines), ==, curves->n_points + 2);
  g_assert_cmpstr (loss_lines[0], ==, "step,images,seconds,count,min,mean,max");
  for (size_t i = 0; i < curves->n_points; i++)
    {
      g_auto(GStrv) cells = g_strsplit (loss_lines[i + 1], ",", -1);

      g_assert_cmpuint (g_strv_length (cells), ==, 7);
      g_assert_cmpfloat (g_ascii_strtod (cells[5], NULL), ==, curves->points[i].mean);
    }

  json = nn_run_to_json (run, curves);
  root = nn_json_parse (json, strlen (json), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (nn_json_array_get_length (nn_json_object_get (
                      nn_json_object_get (root, "curves"), "points")), ==, curves->n_points);
}

/* A run without test evaluation: empty CSV cells and JSON nulls, read back as NAN */
static void
test_export_no_test (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnRun) run = NULL;
  g_autofree char *csv = NULL;
  g_autofree char *id = NULL;
  NnTrainConfig c;
  NnTrainer *t;
  NnRunRecorder *rec;

  tiny_config (&c, 1);
  c.evaluate_test = FALSE;
  t = nn_trainer_new (&c, f->ds, &error);
  nn_train_config_clear (&c);
  g_assert_no_error (error);
  rec = nn_run_recorder_new (f->store, t, f->ds, NULL, &error);
  g_assert_no_error (error);
  id = g_strdup (nn_run_recorder_get_id (rec));
  nn_trainer_set_recorder (t, rec);
  g_assert_true (nn_trainer_run (t, NULL, NULL, &error));
  nn_trainer_free (t);

  run = load (f, id);
  g_assert_true (isnan (run->epochs[0].stats.test_accuracy));
  g_assert_true (isnan (run->best_test_accuracy));
  g_assert_false (run->recipe.evaluate_test);
  csv = nn_run_epochs_to_csv (run);
  g_assert_nonnull (strstr (csv, ",,"));
}

/* ---- curves -------------------------------------------------------------------------------- */

static void
test_curve_bounded (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(NnTrainer) t = make_trainer (f->ds, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(NnRun) run = NULL;
  g_autoptr(NnRunCurves) curves = NULL;
  NnRunRecorder *rec = nn_run_recorder_new (f->store, t, f->ds, NULL, &error);
  NnEpochStats stats = { .epoch = 1, .train_loss = 1, .train_accuracy = 0.5, .val_loss = 1,
                         .val_accuracy = 0.5, .test_loss = NAN, .test_accuracy = NAN,
                         .is_best = TRUE };
  const guint64 n = 3 * NN_RUN_MAX_CURVE_POINTS + 123;
  double sum = 0, total_mean = 0;
  guint64 count = 0;
  g_autofree char *id = NULL;

  g_assert_no_error (error);
  id = g_strdup (nn_run_recorder_get_id (rec));
  nn_trainer_set_recorder (t, rec);
  for (guint64 i = 0; i < n; i++)
    {
      double loss = 2.0 + sin ((double) i) + (double) i / n;

      sum += loss;
      nn_run_recorder_add_batch (rec, loss, (i + 1) * 25);
    }
  g_assert_true (nn_run_recorder_epoch_end (rec, t, &stats, &error));
  g_assert_no_error (error);

  run = load (f, id);
  curves = nn_run_load_curves (run, &error);
  g_assert_no_error (error);
  /* 12411 batches: spans of 1, 2, 4 batches fill 4096 points; 4 makes 3103 points */
  g_assert_cmpuint (curves->n_points, <=, NN_RUN_MAX_CURVE_POINTS);
  g_assert_cmpuint (curves->n_points, >, NN_RUN_MAX_CURVE_POINTS / 2);
  g_assert_cmpuint (curves->span, ==, 4);
  for (size_t i = 0; i < curves->n_points; i++)
    {
      const NnRunCurvePoint *p = &curves->points[i];

      if (i + 1 < curves->n_points)
        g_assert_cmpuint (p->count, ==, curves->span);
      count += p->count;
      g_assert_cmpuint (p->step, ==, count);
      g_assert_cmpuint (p->images, ==, count * 25);
      g_assert_cmpfloat (p->min, <=, p->mean);
      g_assert_cmpfloat (p->mean, <=, p->max);
      g_assert_cmpfloat (p->min, >=, 1.0);
      g_assert_cmpfloat (p->max, <=, 4.0);
      total_mean += p->mean * p->count;
    }
  g_assert_cmpuint (count, ==, n);
  g_assert_cmpfloat_with_epsilon (total_mean / n, sum / n, 1e-9);
  /* the bounded curve's file stays small */
  {
    g_autofree char *path = run_file (f, id, NN_RUN_CURVES_FILE);
    GStatBuf info;

    g_assert_cmpint (g_stat (path, &info), ==, 0);
    g_assert_cmpint (info.st_size, <, (goffset) NN_RUN_MAX_CURVES_FILE);
  }
}

/* An epoch's short last batch (250 images in batches of 30: 8 full ones, then 10 images) joins
 * the point before it, weighted by its images: no point stands for a handful of images, so no
 * curve plunges or spikes at an epoch's end. */
typedef struct
{
  double  loss[64];
  guint   batch[64];
  guint   n_batches;
  guint   n;
} BatchLog;

static void
on_progress_log (const NnTrainProgress *p,
                 gpointer               user_data)
{
  BatchLog *log = user_data;

  g_assert_cmpuint (log->n, <, G_N_ELEMENTS (log->loss));
  log->loss[log->n] = p->loss;
  log->batch[log->n] = p->batch;
  log->n_batches = p->n_batches;
  log->n++;
}

static void
test_curve_short_batch (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnTrainer) t = NULL;
  g_autoptr(NnRun) run = NULL;
  g_autoptr(NnRunCurves) curves = NULL;
  g_autofree char *id = NULL;
  NnRunRecorder *rec;
  NnTrainConfig c;
  BatchLog log = { 0 };
  NnTrainHooks hooks = { on_progress_log, NULL, NULL, &log };
  size_t k = 0;

  tiny_config (&c, 2);
  c.batch_size = 30;
  c.progress_every = 1;
  t = nn_trainer_new (&c, f->ds, &error);
  nn_train_config_clear (&c);
  g_assert_no_error (error);
  rec = nn_run_recorder_new (f->store, t, f->ds, NULL, &error);
  g_assert_no_error (error);
  id = g_strdup (nn_run_recorder_get_id (rec));
  nn_trainer_set_recorder (t, rec);
  g_assert_true (nn_trainer_run (t, &hooks, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (log.n_batches, ==, 9);
  g_assert_cmpuint (log.n, ==, 18);

  run = load (f, id);
  curves = nn_run_load_curves (run, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (curves->span, ==, 1);
  /* 8 points an epoch: the 8th holds the 8th and the 9th batch */
  g_assert_cmpuint (curves->n_points, ==, 16);
  for (size_t i = 0; i < curves->n_points; i++)
    {
      const NnRunCurvePoint *p = &curves->points[i];
      guint epoch = (guint) (i / 8);
      guint in_epoch = (guint) (i % 8);

      g_assert_cmpuint (p->step, ==, (guint64) epoch * 9 + in_epoch + 1 + (in_epoch == 7));
      if (in_epoch < 7)
        {
          g_assert_cmpuint (p->count, ==, 1);
          g_assert_cmpuint (p->images, ==, (guint64) epoch * 250 + (in_epoch + 1) * 30);
          g_assert_cmpfloat_with_epsilon (p->mean, log.loss[k], 1e-12);
          k++;
        }
      else
        {
          double full = log.loss[k], rest = log.loss[k + 1];

          g_assert_cmpuint (log.batch[k + 1], ==, 9);
          g_assert_cmpuint (p->count, ==, 2);
          g_assert_cmpuint (p->images, ==, (guint64) (epoch + 1) * 250);
          g_assert_cmpfloat_with_epsilon (p->mean, (30 * full + 10 * rest) / 40, 1e-12);
          g_assert_cmpfloat (p->min, ==, MIN (full, rest));
          g_assert_cmpfloat (p->max, ==, MAX (full, rest));
          k += 2;
        }
    }
  g_assert_cmpuint (k, ==, log.n);
}

/* A record whose epochs have no "elapsed" (as before wall time was kept) still loads: those
 * times are unknown. */
static void
test_no_elapsed (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *id = record_run (f, 2, NULL);
  g_autofree char *path = run_file (f, id, NN_RUN_FILE);
  g_autofree char *text = NULL;
  g_autofree char *stripped = NULL;
  g_autoptr(GRegex) regex = g_regex_new ("\"elapsed\":[^,}]*,", 0, 0, NULL);
  g_autoptr(NnRun) run = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  stripped = g_regex_replace_literal (regex, text, -1, 0, "", 0, NULL);
  g_assert_null (strstr (stripped, "\"elapsed\""));
  g_assert_true (g_file_set_contents (path, stripped, -1, NULL));
  run = load (f, id);
  g_assert_cmpint (run->status, ==, NN_RUN_STATUS_FINISHED);
  g_assert_cmpuint (run->n_epochs, ==, 2);
  g_assert_true (isnan (run->epochs[0].elapsed));
  g_assert_true (isnan (run->epochs[1].elapsed));
  g_assert_cmpuint (run->epochs[1].images, ==, 500);
}

/* Trained on the validation images too, a run has no validation figures: null in run.json,
 * NaN when read; a record written before that rule, with the figures of images trained on,
 * reads the same way */
static void
test_train_on_all (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnTrainer) t = NULL;
  g_autoptr(NnRun) run = NULL;
  g_autoptr(NnRun) older = NULL;
  g_autofree char *id = NULL;
  g_autofree char *older_id = record_run (f, 2, "older");
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GString) edited = NULL;
  NnRunRecorder *rec;
  NnTrainConfig c;

  tiny_config (&c, 2);
  c.extras.train_on_all = TRUE;
  t = nn_trainer_new (&c, f->ds, &error);
  nn_train_config_clear (&c);
  g_assert_no_error (error);
  rec = nn_run_recorder_new (f->store, t, f->ds, NULL, &error);
  g_assert_no_error (error);
  id = g_strdup (nn_run_recorder_get_id (rec));
  nn_trainer_set_recorder (t, rec);
  g_assert_true (nn_trainer_run (t, NULL, NULL, &error));
  g_assert_no_error (error);

  path = run_file (f, id, NN_RUN_FILE);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "\"val_accuracy\":null"));
  g_assert_nonnull (strstr (text, "\"best_val_accuracy\":null"));
  g_assert_null (strstr (text, "\"val_loss\":0"));
  run = load (f, id);
  g_assert_cmpint (run->status, ==, NN_RUN_STATUS_FINISHED);
  g_assert_true (run->recipe.extras.train_on_all);
  g_assert_cmpuint (run->n_epochs, ==, 2);
  g_assert_cmpuint (run->best_epoch, ==, 2);
  for (guint e = 0; e < 2; e++)
    g_assert_true (isnan (run->epochs[e].stats.val_loss) &&
                   isnan (run->epochs[e].stats.val_accuracy));
  g_assert_true (isnan (run->best_val_accuracy));

  /* an older record: figures present, the recipe trained on all */
  g_clear_pointer (&path, g_free);
  g_clear_pointer (&text, g_free);
  path = run_file (f, older_id, NN_RUN_FILE);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "\"val_accuracy\":0"));
  edited = g_string_new (text);
  g_assert_cmpuint (g_string_replace (edited, "\"validation_size\":",
                                      "\"train_on_all\":true,\"validation_size\":", 1), ==, 1);
  g_assert_true (g_file_set_contents (path, edited->str, -1, NULL));
  older = load (f, older_id);
  g_assert_cmpint (older->status, ==, NN_RUN_STATUS_FINISHED);
  g_assert_true (older->recipe.extras.train_on_all);
  g_assert_true (isnan (older->epochs[1].stats.val_accuracy));
  g_assert_true (isnan (older->best_val_accuracy));
  g_assert_false (isnan (older->epochs[1].stats.train_accuracy));
}

/* ---- hostile run folders ----------------------------------------------------------------- */

typedef struct
{
  const char *what;
  const char *from;       /* text in a good run.json, replaced by `to` (NULL: whole file) */
  const char *to;
} Mutation;

static const Mutation mutations[] = {
  { "an empty file", NULL, "" },
  { "not JSON", NULL, "this is not JSON" },
  { "a JSON list", NULL, "[1, 2, 3]" },
  { "JSON nested too deep", NULL,
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]"
    "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]" },
  { "a truncated file", "\"epochs\":[", "\"epochs\":[{\"epoch\":1," },
  { "another format", "\"format\":\"digit-lab-run\"", "\"format\":\"something-else\"" },
  { "a newer version", "\"version\":1,", "\"version\":2," },
  { "the id of another run", "\"id\":\"", "\"id\":\"1" },
  { "a name that is a number", "\"name\":\"\"", "\"name\":42" },
  { "an unknown status", "\"status\":\"finished\"", "\"status\":\"exploded\"" },
  { "a start that is no date", "\"started\":\"", "\"started\":\"yesterday" },
  { "a negative duration", "\"duration\":", "\"duration\":-" },
  { "no recipe", "\"recipe\":", "\"recipe_gone\":" },
  { "a batch size of 0", "\"batch_size\":25", "\"batch_size\":0" },
  { "a huge batch size", "\"batch_size\":25", "\"batch_size\":1e300" },
  { "a fractional epoch count", "\"epochs\":2,", "\"epochs\":2.5," },
  { "a negative learning rate", "\"learning_rate\":", "\"learning_rate\":-" },
  { "an unknown optimiser", "\"optimizer\":\"adam\"", "\"optimizer\":\"lbfgs\"" },
  { "a seed that is a number", "\"seed\":\"42\"", "\"seed\":42" },
  { "a seed past 2^64", "\"seed\":\"42\"", "\"seed\":\"18446744073709551616\"" },
  { "a bad architecture", "\"spec\":\"conv(4", "\"spec\":\"warp(4" },
  { "a bad SHA-256", "\"train_images\":\"\"", "\"train_images\":\"xyz\"" },
  { "more training images than the file", "\"n_train\":250", "\"n_train\":301" },
  { "epochs that are not a list", "\"epochs\":[", "\"epochs\":{\"a\":[" },
  { "an epoch numbered wrong", "{\"epoch\":2,", "{\"epoch\":7," },
  { "an accuracy above 1", "\"val_accuracy\":", "\"val_accuracy\":1" },
  { "a negative loss", "\"train_loss\":", "\"train_loss\":-" },
  { "a best epoch past the last", "\"best_epoch\":", "\"best_epoch\":9" },
  { "a best accuracy not of the best epoch", "\"best_val_accuracy\":",
    "\"best_val_accuracy\":0.0001" },
  { "more epochs than planned", "\"epochs\":2,", "\"epochs\":1," },
  { "a member twice", "\"name\":\"\"", "\"name\":\"\",\"name\":\"\"" },
  { "a name of 300 bytes", "\"name\":\"\"",
    "\"name\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"" },
  { "a NUL in a string", "\"name\":\"\"", "\"name\":\"a\\u0000b\"" },
  { "too many threads", "\"threads\":1,\"evaluate_test\"", "\"threads\":100000,\"evaluate_test\"" },
  { "an image size of 0", "\"rows\":12", "\"rows\":0" },
  { "test accuracy as text", "\"best_test_accuracy\":", "\"best_test_accuracy\":\"high\",\"x\":" },
};

/* A good run.json of two epochs, to break. */
static char *
good_run_json (Fixture  *f,
               char    **id)
{
  g_autofree char *path = NULL;
  char *text = NULL;

  *id = record_run (f, 2, NULL);
  path = run_file (f, *id, NN_RUN_FILE);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

static void
assert_damaged (Fixture    *f,
                const char *id,
                const char *what)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  NnRun *listed = NULL;
  NnRun *run;

  runs = nn_run_store_list (f->store, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < runs->len; i++)
    if (strcmp (((NnRun *) runs->pdata[i])->id, id) == 0)
      listed = runs->pdata[i];
  if (listed == NULL)
    g_error ("%s: the run is not listed", what);
  if (listed->status != NN_RUN_STATUS_DAMAGED)
    g_error ("%s: listed as %s", what, nn_run_status_to_string (listed->status));
  g_assert_nonnull (listed->problem);
  g_assert_cmpuint (strlen (listed->problem), >, 0);
  g_assert_true (g_utf8_validate (listed->problem, -1, NULL));
  g_assert_cmpint (listed->started, >, 0);
  g_test_message ("%s: %s", what, listed->problem);
  g_assert_false (nn_run_can_resume (listed));
  g_assert_null (nn_run_dup_model_dir (listed));

  run = nn_run_store_load (f->store, id, &error);
  g_assert_null (run);
  g_assert_error (error, NN_RUN_ERROR, NN_RUN_ERROR_DAMAGED);
  g_clear_error (&error);
  g_assert_null (nn_run_store_resume (f->store, id, f->ds, 1, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_false (nn_run_store_rename (f->store, id, "x", &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
}

static void
test_hostile_run_json (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *id = NULL;
  g_autofree char *good = good_run_json (f, &id);
  g_autofree char *path = run_file (f, id, NN_RUN_FILE);

  for (size_t i = 0; i < G_N_ELEMENTS (mutations); i++)
    {
      const Mutation *m = &mutations[i];
      g_autoptr(GString) s = g_string_new (m->from == NULL ? m->to : good);

      if (m->from != NULL && g_string_replace (s, m->from, m->to, 1) != 1)
        g_error ("%s: “%s” is not in run.json", m->what, m->from);
      g_assert_true (g_file_set_contents (path, s->str, s->len, NULL));
      assert_damaged (f, id, m->what);
    }
  /* and the good one reads again */
  g_assert_true (g_file_set_contents (path, good, -1, NULL));
  nn_run_free (load (f, id));
}

static void
test_hostile_folders (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *id = NULL;
  g_autofree char *good = good_run_json (f, &id);
  g_autofree char *path = run_file (f, id, NN_RUN_FILE);
  g_autofree char *elsewhere = g_build_filename (f->dir, "elsewhere.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  const char *link_id = "20260101-000000-0001";
  const char *fifo_id = "20260101-000000-0002";
  const char *file_id = "20260101-000000-0003";
  const char *empty_id = "20260101-000000-0004";
  g_autofree char *link_run = g_build_filename (f->dir, link_id, NULL);
  g_autofree char *fifo_run = g_build_filename (f->dir, fifo_id, NULL);
  g_autofree char *file_run = g_build_filename (f->dir, file_id, NULL);
  g_autofree char *empty_run = g_build_filename (f->dir, empty_id, NULL);

  /* run.json as a link to a good copy, a FIFO, a folder, /dev/zero, missing, too large */
  g_assert_true (g_file_set_contents (elsewhere, good, -1, NULL));
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (symlink (elsewhere, path), ==, 0);
  assert_damaged (f, id, "run.json is a symbolic link");
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (mkfifo (path, 0644), ==, 0);
  assert_damaged (f, id, "run.json is a FIFO");
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (g_mkdir (path, 0755), ==, 0);
  assert_damaged (f, id, "run.json is a folder");
  g_assert_cmpint (g_rmdir (path), ==, 0);
  g_assert_cmpint (symlink ("/dev/zero", path), ==, 0);
  assert_damaged (f, id, "run.json is a link to /dev/zero");
  g_assert_cmpint (g_unlink (path), ==, 0);
  assert_damaged (f, id, "run.json is missing");
  {
    FILE *big = fopen (path, "w");

    g_assert_nonnull (big);
    g_assert_cmpint (fseek (big, (long) NN_RUN_MAX_FILE + 1, SEEK_SET), ==, 0);
    g_assert_cmpint (fputc ('}', big), !=, EOF);
    fclose (big);
    assert_damaged (f, id, "run.json is larger than the cap");
  }
  g_assert_true (g_file_set_contents (path, good, -1, NULL));

  /* the run folder itself as a link (to a good run), a FIFO, a file; an empty folder */
  {
    g_autofree char *target = g_build_filename (f->dir, id, NULL);

    g_assert_cmpint (symlink (target, link_run), ==, 0);
  }
  g_assert_cmpint (mkfifo (fifo_run, 0644), ==, 0);
  g_assert_true (g_file_set_contents (file_run, good, -1, NULL));
  g_assert_cmpint (g_mkdir (empty_run, 0755), ==, 0);
  assert_damaged (f, link_id, "a run folder that is a link");
  assert_damaged (f, fifo_id, "a run folder that is a FIFO");
  assert_damaged (f, file_id, "a run folder that is a file");
  assert_damaged (f, empty_id, "an empty run folder");

  /* a lock that is a FIFO or a folder: the run reads, and is not taken for running */
  {
    g_autofree char *lock = run_file (f, id, NN_RUN_LOCK_FILE);
    g_autoptr(NnRun) run = NULL;

    g_unlink (lock);
    g_assert_cmpint (mkfifo (lock, 0644), ==, 0);
    run = load (f, id);
    g_assert_cmpint (run->status, ==, NN_RUN_STATUS_FINISHED);
    g_assert_false (nn_run_store_rename (f->store, id, "x", &error));
    g_assert_error (error, NN_RUN_ERROR, NN_RUN_ERROR_IO);
    g_clear_error (&error);
    g_unlink (lock);
  }

  /* a model folder that is a link is not the run's model */
  {
    g_autofree char *model = run_file (f, id, NN_RUN_MODEL_DIR);
    g_autofree char *moved = g_build_filename (f->dir, "moved-model", NULL);
    g_autoptr(NnRun) run = load (f, id);
    g_autofree char *found = nn_run_dup_model_dir (run);

    g_assert_nonnull (found);
    g_assert_cmpint (g_rename (model, moved), ==, 0);
    g_assert_cmpint (symlink (moved, model), ==, 0);
    g_clear_pointer (&found, g_free);
    found = nn_run_dup_model_dir (run);
    g_assert_null (found);
    g_assert_cmpint (g_unlink (model), ==, 0);
    g_assert_cmpint (g_rename (moved, model), ==, 0);
  }

  /* other names in the store are not runs, and are left alone */
  {
    g_autofree char *stray = g_build_filename (f->dir, "notes.txt", NULL);
    g_autofree char *tmp = g_build_filename (f->dir, ".20260101-000000-0005.tmp", NULL);

    g_assert_true (g_file_set_contents (stray, "x", -1, NULL));
    g_assert_cmpint (g_mkdir (tmp, 0755), ==, 0);
  }
  runs = nn_run_store_list (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (runs->len, ==, 5);

  /* damaged runs can be trashed and purged; a link is removed, never what it points at */
  g_assert_true (nn_run_store_delete (f->store, link_id, &error));
  g_assert_no_error (error);
  g_assert_true (nn_run_store_delete (f->store, fifo_id, &error));
  g_assert_true (nn_run_store_delete (f->store, file_id, &error));
  g_assert_true (nn_run_store_delete (f->store, empty_id, &error));
  g_assert_no_error (error);
  nn_run_free (load (f, id));
  g_unlink (elsewhere);
}

static void
test_hostile_curves (Fixture       *f,
                     gconstpointer  data)
{
  static const char *const bad_curves[] = {
    "",
    "[]",
    "{\"format\":\"digit-lab-curves\",\"version\":2,\"span\":1,\"points\":[]}",
    "{\"format\":\"digit-lab-curves\",\"version\":1,\"span\":3,\"points\":[]}",
    "{\"format\":\"digit-lab-curves\",\"version\":1,\"span\":0,\"points\":[]}",
    "{\"format\":\"digit-lab-curves\",\"version\":1,\"span\":1,\"points\":[[1,2,3]]}",
    "{\"format\":\"digit-lab-curves\",\"version\":1,\"span\":1,\"points\":[[1,25,0.1,2,1,1,1]]}",
    "{\"format\":\"digit-lab-curves\",\"version\":1,\"span\":1,\"points\":[[1,25,0.1,1,1,5,2]]}",
    "{\"format\":\"digit-lab-curves\",\"version\":1,\"span\":1,\"points\":[[1,25,0.1,1,-1,1,2]]}",
    "{\"format\":\"digit-lab-curves\",\"version\":1,\"span\":1,"
    "\"points\":[[2,25,0.1,1,1,1,1],[1,50,0.2,1,1,1,1]]}",
    "{\"format\":\"digit-lab-curves\",\"version\":1,\"span\":2,"
    "\"points\":[[1,25,0.1,1,1,1,1],[3,75,0.2,2,1,1,1]]}",
    "{\"format\":\"digit-lab-curves\",\"version\":1,\"span\":1,\"points\":[[1.5,25,0,1,1,1,1]]}",
    "{\"format\":\"digit-lab-curves\",\"version\":1,\"span\":1,"
    "\"points\":[[1,25,0.1,1,1,1,1],[4,75,0.2,2,1,1,1]]}",
    "{\"format\":\"digit-lab-curves\",\"version\":1,\"span\":1,"
    "\"points\":[[1,25,0.1,1,1,1,1],[4,75,0.2,3,1,1,1]]}",
  };
  g_autofree char *id = record_run (f, 1, NULL);
  g_autofree char *path = run_file (f, id, NN_RUN_CURVES_FILE);
  g_autoptr(NnRun) run = load (f, id);
  g_autoptr(GError) error = NULL;

  for (size_t i = 0; i < G_N_ELEMENTS (bad_curves); i++)
    {
      NnRunCurves *curves;

      g_assert_true (g_file_set_contents (path, bad_curves[i], -1, NULL));
      curves = nn_run_load_curves (run, &error);
      if (curves != NULL)
        g_error ("curves %zu were read: %s", i, bad_curves[i]);
      g_assert_error (error, NN_RUN_ERROR, NN_RUN_ERROR_DAMAGED);
      g_clear_error (&error);
    }
  /* too many points */
  {
    GString *s = g_string_new ("{\"format\":\"digit-lab-curves\",\"version\":1,\"span\":1,"
                               "\"points\":[");

    for (int i = 0; i <= NN_RUN_MAX_CURVE_POINTS; i++)
      g_string_append_printf (s, "%s[%d,%d,0,1,1,1,1]", i > 0 ? "," : "", i + 1, i + 1);
    g_string_append (s, "]}");
    g_assert_true (g_file_set_contents (path, s->str, s->len, NULL));
    g_string_free (s, TRUE);
    g_assert_null (nn_run_load_curves (run, &error));
    g_assert_error (error, NN_RUN_ERROR, NN_RUN_ERROR_DAMAGED);
    g_clear_error (&error);
  }
  /* missing: no points, no error */
  g_assert_cmpint (g_unlink (path), ==, 0);
  {
    g_autoptr(NnRunCurves) none = nn_run_load_curves (run, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (none->n_points, ==, 0);
  }
  /* a run whose curves are damaged still resumes, with the curve it can keep */
  g_assert_true (g_file_set_contents (path, "garbage", -1, NULL));
  {
    g_autoptr(NnTrainer) t = nn_run_store_resume (f->store, id, f->ds, 1, &error);

    g_assert_no_error (error);
    nn_trainer_set_epochs (t, 2);
    g_assert_true (nn_trainer_run (t, NULL, NULL, &error));
    g_assert_no_error (error);
  }
}

static void
test_store_dir (void)
{
  g_autofree char *dir = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("digit-lab-store-XXXXXX", &error);
  g_autofree char *nested = g_build_filename (tmp, "a", "b", NULL);
  g_autofree char *file = g_build_filename (tmp, "file", NULL);
  NnRunStore *store;

  g_setenv ("DIGIT_LAB_RUNS_DIR", "/somewhere/else", TRUE);
  dir = nn_run_store_dup_default_dir ();
  g_assert_cmpstr (dir, ==, "/somewhere/else");
  g_clear_pointer (&dir, g_free);
  g_unsetenv ("DIGIT_LAB_RUNS_DIR");
  dir = nn_run_store_dup_default_dir ();
  g_assert_true (g_str_has_suffix (dir, "/digit-lab/runs"));

  store = nn_run_store_new (nested, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (nn_run_store_get_dir (store), ==, nested);
  nn_run_store_free (store);
  g_assert_true (g_file_set_contents (file, "x", -1, NULL));
  g_assert_null (nn_run_store_new (file, &error));
  g_assert_nonnull (error);
  remove_all (tmp);

  g_assert_false (nn_run_id_is_valid ("20261130-031522-ab1"));
  g_assert_false (nn_run_id_is_valid ("20261130-031522-AB12"));
  g_assert_false (nn_run_id_is_valid ("20261130_031522-ab12"));
  g_assert_false (nn_run_id_is_valid ("../../../../etc/pass"));
  g_assert_true (nn_run_id_is_valid ("20261130-031522-ab12"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) \
  g_test_add ("/engine/run-store/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("record", test_record);
  ADD ("record-is-json", test_record_is_json);
  ADD ("record-write-fails", test_record_write_fails);
  ADD ("statuses", test_statuses);
  ADD ("interrupted", test_interrupted);
  ADD ("resume", test_resume);
  ADD ("resume-other-data", test_resume_other_data);
  ADD ("record-from-checkpoint", test_record_from_checkpoint);
  ADD ("list-sorted", test_list_sorted);
  ADD ("rename", test_rename);
  ADD ("trash-restore", test_trash_restore);
  ADD ("export-csv", test_export_csv);
  ADD ("export-no-test", test_export_no_test);
  ADD ("curve-bounded", test_curve_bounded);
  ADD ("curve-short-batch", test_curve_short_batch);
  ADD ("no-elapsed", test_no_elapsed);
  ADD ("train-on-all", test_train_on_all);
  ADD ("hostile-run-json", test_hostile_run_json);
  ADD ("hostile-folders", test_hostile_folders);
  ADD ("hostile-curves", test_hostile_curves);
#undef ADD
  g_test_add_func ("/engine/run-store/store-dir", test_store_dir);
  return g_test_run ();
}
