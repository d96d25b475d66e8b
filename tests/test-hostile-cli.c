/* test-hostile-cli.c: digit-lab-cli given bad arguments, files that do not fit each other and
 * things that are not files: each run ends with its exit status and one line on stderr that says
 * why, never a crash, a hang or a number on stdout that was not measured
 *
 * In a build with -Db_sanitize=address (scripts/test.sh's sanitize build) the suite runs the
 * sanitised CLI: a leak makes LeakSanitizer change the exit status, which every case checks,
 * so "meson test -C BUILD --suite cli" there is the leak check of every command. */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <glib/gstdio.h>
#include <gio/gio.h>

#include "fixtures.h"
#include "nn-json.h"
#include "nn-model.h"
#include "nn-png.h"

#define RUN_TIMEOUT_S 20

static char *work_dir;
static char *data_dir;

typedef struct
{
  gboolean  exited;      /* FALSE: killed by a signal, or it hung */
  gboolean  timed_out;
  int       status;
  char     *out;
  char     *err;
} Run;

static void
run_clear (Run *r)
{
  g_free (r->out);
  g_free (r->err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

typedef struct
{
  GMainLoop *loop;
  GBytes    *out;
  GBytes    *err;
  GError    *error;
} Wait;

static void
on_communicated (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Wait *w = user_data;

  g_subprocess_communicate_finish (G_SUBPROCESS (source), result, &w->out, &w->err, &w->error);
  g_main_loop_quit (w->loop);
}

static gboolean
on_timeout (gpointer user_data)
{
  Wait *w = user_data;

  g_main_loop_quit (w->loop);
  return G_SOURCE_REMOVE;
}

static char *
bytes_to_string (GBytes *bytes)
{
  gsize n = 0;
  const char *data = bytes != NULL ? g_bytes_get_data (bytes, &n) : NULL;

  return g_strndup (data != NULL ? data : "", n);
}

/* Runs the CLI in the work folder with argv (NULL-terminated), at most RUN_TIMEOUT_S seconds. */
static void
cli_run (Run               *r,
         const char *const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (context, FALSE);
  g_autoptr(GSource) timeout = g_timeout_source_new_seconds (RUN_TIMEOUT_S);
  g_autoptr(GBytes) empty_input = g_bytes_new (NULL, 0);
  const char *exe = g_getenv ("DIGIT_LAB_CLI");
  Wait w = { loop, NULL, NULL, NULL };

  if (exe == NULL)
    g_error ("DIGIT_LAB_CLI must name the digit-lab-cli executable");
  g_ptr_array_add (argv, (char *) exe);
  for (size_t i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  g_main_context_push_thread_default (context);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE |
                                        G_SUBPROCESS_FLAGS_STDIN_PIPE);
  g_subprocess_launcher_set_cwd (launcher, work_dir);
  g_subprocess_launcher_setenv (launcher, "DIGIT_LAB_DATA_DIR", data_dir, TRUE);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  proc = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  /* stdin is empty and closed: nothing waits on the terminal */
  g_subprocess_communicate_async (proc, empty_input, NULL, on_communicated, &w);
  g_source_set_callback (timeout, on_timeout, &w, NULL);
  g_source_attach (timeout, context);
  g_main_loop_run (loop);
  if (w.out == NULL && w.error == NULL)
    {
      /* it hung: end it and let the communication finish */
      r->timed_out = TRUE;
      g_subprocess_force_exit (proc);
      g_main_loop_run (loop);
    }
  g_source_destroy (timeout);
  g_main_context_pop_thread_default (context);
  g_assert_no_error (w.error);
  g_subprocess_wait (proc, NULL, NULL);
  r->exited = !r->timed_out && g_subprocess_get_if_exited (proc);
  r->status = r->exited ? g_subprocess_get_exit_status (proc) : -1;
  r->out = bytes_to_string (w.out);
  r->err = bytes_to_string (w.err);
  g_clear_pointer (&w.out, g_bytes_unref);
  g_clear_pointer (&w.err, g_bytes_unref);
}

static char *
command_line (const char *const *args)
{
  g_autoptr(GString) s = g_string_new ("digit-lab-cli");

  for (size_t i = 0; args[i] != NULL; i++)
    {
      g_autofree char *q = g_shell_quote (args[i]);

      g_string_append_printf (s, " %s", q);
    }
  return g_strdup (s->str);
}

/* ---- the cases -------------------------------------------------------------------------- */

typedef struct
{
  const char *name;
  const char *args[14];
  int         status;
  const char *err;    /* regex for the one line on stderr (without "digit-lab-cli: ") */
  const char *out;    /* regex for all of stdout; NULL: stdout must be empty */
} Case;

#define P "digit-lab-cli: "
#define NUMBER_OPTION(opt, range, arg) "--" opt " takes a number in " range ", not “" arg "”"
#define WHOLE_OPTION(opt, lo, hi, arg) "--" opt " takes a whole number from " lo " to " hi \
                                       ", not “" arg "”"

static const Case cases[] = {
  /* ---- numbers on the command line: status 2 ---- */
  { "lr-nan", { "train", "--learning-rate", "nan", NULL }, 2,
    NUMBER_OPTION ("learning-rate", "\\(0, 10\\)", "nan") },
  { "lr-inf", { "train", "--learning-rate", "inf", NULL }, 2,
    NUMBER_OPTION ("learning-rate", "\\(0, 10\\)", "inf") },
  { "lr-decimal-comma", { "train", "--learning-rate", "0,01", NULL }, 2,
    NUMBER_OPTION ("learning-rate", "\\(0, 10\\)", "0,01") },
  { "lr-empty", { "train", "--learning-rate", "", NULL }, 2,
    NUMBER_OPTION ("learning-rate", "\\(0, 10\\)", "") },
  { "lr-leading-space", { "train", "--learning-rate", " 0.1", NULL }, 2,
    NUMBER_OPTION ("learning-rate", "\\(0, 10\\)", " 0.1") },
  { "lr-hex-float", { "train", "--learning-rate", "0x1p-3", NULL }, 2,
    NUMBER_OPTION ("learning-rate", "\\(0, 10\\)", "0x1p-3") },
  { "lr-underflow", { "train", "--learning-rate", "1e-400", NULL }, 2,
    NUMBER_OPTION ("learning-rate", "\\(0, 10\\)", "1e-400") },
  { "lr-upper-bound", { "train", "--learning-rate", "10", NULL }, 2,
    NUMBER_OPTION ("learning-rate", "\\(0, 10\\)", "10") },
  { "lr-zero", { "train", "--learning-rate", "0", NULL }, 2,
    NUMBER_OPTION ("learning-rate", "\\(0, 10\\)", "0") },
  { "lr-trailing-junk", { "train", "--learning-rate", "0.1x", NULL }, 2,
    NUMBER_OPTION ("learning-rate", "\\(0, 10\\)", "0.1x") },
  { "momentum-one", { "train", "--momentum", "1", NULL }, 2,
    NUMBER_OPTION ("momentum", "\\[0, 1\\)", "1") },
  { "momentum-negative", { "train", "--momentum", "-0.1", NULL }, 2,
    NUMBER_OPTION ("momentum", "\\[0, 1\\)", "-0.1") },
  { "weight-decay-overflow", { "train", "--weight-decay", "1e999", NULL }, 2,
    NUMBER_OPTION ("weight-decay", "\\[0, 1\\)", "1e999") },
  { "rotation-too-wide", { "train", "--rotation", "181", NULL }, 2,
    NUMBER_OPTION ("rotation", "\\[0, 180\\]", "181") },
  { "rotation-negative", { "train", "--rotation", "-1", NULL }, 2,
    NUMBER_OPTION ("rotation", "\\[0, 180\\]", "-1") },
  { "translate-too-far", { "train", "--translate", "0.6", NULL }, 2,
    NUMBER_OPTION ("translate", "\\[0, 0.5\\]", "0.6") },
  { "scale-nan", { "train", "--scale", "nan", NULL }, 2,
    NUMBER_OPTION ("scale", "\\[0, 0.5\\]", "nan") },
  { "shear-too-wide", { "train", "--shear", "46", NULL }, 2,
    NUMBER_OPTION ("shear", "\\[0, 45\\]", "46") },
  { "elastic-alpha-negative", { "train", "--elastic-alpha", "-1", NULL }, 2,
    NUMBER_OPTION ("elastic-alpha", "\\[0, 100\\]", "-1") },
  { "elastic-sigma-small", { "train", "--elastic-alpha", "30", "--elastic-sigma", "0.1", NULL }, 2,
    NUMBER_OPTION ("elastic-sigma", "\\[0.5, 20\\]", "0.1") },
  { "elastic-sigma-alone", { "train", "--elastic-sigma", "3", NULL }, 2,
    "--elastic-sigma needs --elastic-alpha" },
  { "label-smoothing-high", { "train", "--label-smoothing", "0.9", NULL }, 2,
    NUMBER_OPTION ("label-smoothing", "\\[0, 0.5\\]", "0.9") },
  { "lr-schedule-unknown", { "train", "--lr-schedule", "linear", NULL }, 2,
    "unknown --lr-schedule \\(use constant, step, cosine or one-cycle\\)" },
  { "lr-schedule-empty", { "train", "--lr-schedule", "", NULL }, 2, ".*lr-schedule.*" },
  { "lr-gamma-without-step", { "train", "--lr-gamma", "0.5", NULL }, 2,
    "--lr-step-epochs and --lr-gamma need --lr-schedule step" },
  { "lr-gamma-zero", { "train", "--lr-schedule", "step", "--lr-gamma", "0", NULL }, 2,
    NUMBER_OPTION ("lr-gamma", "\\(0, 1\\]", "0") },
  { "lr-step-epochs-zero", { "train", "--lr-schedule", "step", "--lr-step-epochs", "0", NULL },
    2, WHOLE_OPTION ("lr-step-epochs", "1", "10000", "0") },
  { "lr-min-without-cosine", { "train", "--lr-min", "0.0001", NULL }, 2,
    "--lr-min needs --lr-schedule cosine" },
  { "warmup-without-one-cycle", { "train", "--lr-schedule", "cosine", "--warmup-fraction", "0.2",
                                  NULL }, 2,
    "--warmup-fraction, --lr-div-factor and --lr-final-div-factor need --lr-schedule one-cycle" },
  { "warmup-one", { "train", "--lr-schedule", "one-cycle", "--warmup-fraction", "1", NULL }, 2,
    NUMBER_OPTION ("warmup-fraction", "\\(0, 1\\)", "1") },
  { "lr-div-below-one", { "train", "--lr-schedule", "one-cycle", "--lr-div-factor", "0.5", NULL },
    2, NUMBER_OPTION ("lr-div-factor", "\\[1, 1e\\+06\\]", "0.5") },
  { "optimizer-unknown", { "train", "--optimizer", "lamb", NULL }, 2,
    "unknown --optimizer \\(use adam, adamw or sgd\\)" },
  { "momentum-with-adamw", { "train", "--optimizer", "adamw", "--momentum", "0.5", NULL }, 2,
    "--momentum applies to --optimizer sgd only" },
  { "momentum-with-default-adam", { "train", "--momentum", "0.5", NULL }, 2,
    "--momentum applies to --optimizer sgd only" },
  { "epochs-zero", { "train", "--epochs", "0", NULL }, 2,
    WHOLE_OPTION ("epochs", "1", "10000", "0") },
  { "epochs-negative", { "train", "--epochs", "-1", NULL }, 2,
    WHOLE_OPTION ("epochs", "1", "10000", "-1") },
  { "epochs-exponent", { "train", "--epochs", "1e9", NULL }, 2,
    WHOLE_OPTION ("epochs", "1", "10000", "1e9") },
  { "epochs-too-many", { "train", "--epochs", "10001", NULL }, 2,
    WHOLE_OPTION ("epochs", "1", "10000", "10001") },
  { "epochs-overflow", { "train", "--epochs", "99999999999999999999999", NULL }, 2,
    WHOLE_OPTION ("epochs", "1", "10000", "99999999999999999999999") },
  { "epochs-empty", { "train", "--epochs", "", NULL }, 2,
    WHOLE_OPTION ("epochs", "1", "10000", "") },
  { "epochs-leading-space", { "train", "--epochs", " 5", NULL }, 2,
    WHOLE_OPTION ("epochs", "1", "10000", " 5") },
  { "epochs-hex", { "train", "--epochs", "0x10", NULL }, 2,
    WHOLE_OPTION ("epochs", "1", "10000", "0x10") },
  { "epochs-line-break", { "train", "--epochs", "5\n6", NULL }, 2,
    WHOLE_OPTION ("epochs", "1", "10000", "5\\\\x0a6") },
  { "batch-size-zero", { "train", "--batch-size", "0", NULL }, 2,
    WHOLE_OPTION ("batch-size", "1", "4096", "0") },
  { "batch-size-too-big", { "train", "--batch-size", "4097", NULL }, 2,
    WHOLE_OPTION ("batch-size", "1", "4096", "4097") },
  { "threads-100000", { "train", "--threads", "100000", NULL }, 2,
    WHOLE_OPTION ("threads", "1", "256", "100000") },
  { "threads-negative", { "train", "--threads", "-1", NULL }, 2,
    WHOLE_OPTION ("threads", "1", "256", "-1") },
  { "threads-fraction", { "evaluate", "--threads", "1.5", "model", NULL }, 2,
    WHOLE_OPTION ("threads", "1", "256", "1.5") },
  { "validation-zero", { "train", "--validation", "0", NULL }, 2,
    WHOLE_OPTION ("validation", "1", "2147483647", "0") },
  { "seed-negative", { "train", "--seed", "-1", NULL }, 2,
    WHOLE_OPTION ("seed", "0", "18446744073709551615", "-1") },
  { "seed-overflow", { "train", "--seed", "18446744073709551616", NULL }, 2,
    WHOLE_OPTION ("seed", "0", "18446744073709551615", "18446744073709551616") },
  { "progress-every-zero", { "train", "--progress-every", "0", NULL }, 2,
    WHOLE_OPTION ("progress-every", "1", "2147483647", "0") },
  { "mistakes-negative", { "evaluate", "--mistakes", "-1", "model", NULL }, 2,
    WHOLE_OPTION ("mistakes", "0", "10000", "-1") },
  { "long-argument-cut", { "train", "--epochs",
    "123456789012345678901234567890123456789012345678901234567890", NULL }, 2,
    WHOLE_OPTION ("epochs", "1", "10000", "1234567890123456789012345678901234567890…") },

  /* ---- other arguments: status 2 ---- */
  { "output-empty", { "train", "--output", "", NULL }, 2, "--output needs a value, not an empty string" },
  { "arch-empty", { "train", "--arch", "", NULL }, 2, "--arch needs a value, not an empty string" },
  { "preset-unknown", { "train", "--preset", "fastest", NULL }, 2,
    "There is no recipe called “fastest” \\(there are reference, .*quick, accurate\\)" },
  { "preset-with-resume", { "train", "--preset", "quick", "--resume", "last", NULL }, 2,
    "--preset cannot go with --resume, which keeps the run's recipe" },
  { "data-empty", { "evaluate", "--data", "", "model", NULL }, 2,
    "--data needs a value, not an empty string" },
  { "dataset-empty", { "inspect", "--dataset", "", NULL }, 2,
    "--dataset needs a value, not an empty string" },
  { "model-empty", { "predict", "--model", "", "digit.png", NULL }, 2,
    "--model needs a value, not an empty string" },
  { "unknown-option", { "train", "--bogus", NULL }, 2, "Unknown option --bogus" },
  { "train-extra-argument", { "train", "extra", NULL }, 2,
    "train takes no file arguments \\(see --help\\)" },
  { "inspect-extra-argument", { "inspect", "extra", NULL }, 2,
    "inspect takes no file arguments \\(see --help\\)" },
  { "fetch-extra-argument", { "fetch", "extra", NULL }, 2,
    "fetch takes no file arguments \\(see --help\\)" },
  { "evaluate-no-model", { "evaluate", NULL }, 2,
    "evaluate needs one MODEL \\(a folder or its model.safetensors\\)" },
  { "evaluate-two-models", { "evaluate", "model", "model", NULL }, 2,
    "evaluate needs one MODEL \\(a folder or its model.safetensors\\)" },
  { "predict-no-picture", { "predict", NULL }, 2, "predict needs at least one PNG file" },
  { "export-no-folder", { "export", NULL }, 2, "export needs one DIR to write" },
  { "unknown-command", { "frobnicate", NULL }, 2,
    "unknown command “frobnicate” \\(see digit-lab-cli --help\\)" },
  { "unknown-dataset", { "inspect", "--dataset", "klingon", NULL }, 1,
    "unknown dataset “klingon” \\(use mnist or fashion\\)" },

  /* ---- a model and data or pictures that do not fit it: status 1 ---- */
  { "three-channel-model-evaluate", { "evaluate", "model3", NULL }, 1,
    "mnist does not fit this model: The model takes 3×28×28 inputs .* but these are 1×28×28" },
  { "three-channel-model-predict", { "predict", "--model", "model3", "digit.png", NULL }, 1,
    "this model cannot classify pictures: The model takes 3×28×28 inputs .* but these are "
    "1×28×28" },
  { "three-channel-model-export", { "export", "--model", "model3", "hub3", NULL }, 1,
    "mnist does not fit this model: The model takes 3×28×28 inputs \\(channels × height × "
    "width\\) but these are 1×28×28" },
  { "small-model-predict", { "predict", "--model", "model14", "digit.png", NULL }, 1,
    "this model cannot classify pictures: The model takes 1×14×14 inputs .* but these are "
    "1×28×28" },
  { "small-images-evaluate", { "evaluate", "--data", "data14", "model", NULL }, 1,
    "mnist does not fit this model: The model takes 1×28×28 inputs .* but these are 1×14×14" },
  { "five-class-model", { "evaluate", "model5", NULL }, 1,
    "mnist has 10 classes but the model tells 5 apart" },
  { "digit-model-on-fashion", { "evaluate", "--data", "fashion", "model", NULL }, 1,
    "fashion-mnist has other classes \\(T-shirt/top, .*\\) than the model, which was trained on "
    "mnist \\(0, 1, 2, .*\\)" },
  { "digit-model-exported-on-fashion", { "export", "--data", "fashion", "--model", "model",
    "hubf", NULL }, 1, "fashion-mnist has other classes \\(T-shirt/top, .*\\) than the model, "
    "which was trained on mnist \\(0, 1, 2, .*\\)" },
  { "fashion-model-on-digits", { "evaluate", "modelfashion", NULL }, 1,
    "mnist has other classes \\(0, 1, .*\\) than the model, which was trained on fashion-mnist "
    "\\(T-shirt/top, Trouser, .*\\)" },

  /* ---- things that are not the file they should be: status 1 ---- */
  { "picture-fifo", { "predict", "--model", "model", "fifo", NULL }, 1, "fifo is not a regular file" },
  { "picture-dev-zero", { "predict", "--model", "model", "/dev/zero", NULL }, 1,
    "/dev/zero is not a regular file" },
  { "picture-folder", { "predict", "--model", "model", "folder.png", NULL }, 1,
    "folder.png is a folder, not a file" },
  { "picture-empty", { "predict", "--model", "model", "empty.png", NULL }, 1,
    "empty.png is not a PNG image" },
  { "picture-text", { "predict", "--model", "model", "junk.png", NULL }, 1,
    "junk.png is not a PNG image" },
  { "picture-truncated", { "predict", "--model", "model", "truncated.png", NULL }, 1,
    "truncated.png: damaged PNG \\(the file ends too early\\)" },
  { "picture-missing", { "predict", "--model", "model", "missing.png", NULL }, 1,
    "missing.png cannot be opened: No such file or directory" },
  { "model-fifo", { "predict", "--model", "fifo", "digit.png", NULL }, 1,
    "fifo is not a regular file" },
  { "model-dev-zero", { "predict", "--model", "/dev/zero", "digit.png", NULL }, 1,
    "/dev/zero is not a regular file" },
  { "model-empty-folder", { "predict", "--model", "emptydir", "digit.png", NULL }, 1,
    "emptydir is not a model: it needs model.safetensors and config.json side by side" },
  { "model-text-file", { "predict", "--model", "junk.png", "digit.png", NULL }, 1,
    "junk.png: .*" },
  { "model-fifo-evaluate", { "evaluate", "fifo", NULL }, 1, "fifo is not a regular file" },
  { "model-dev-zero-evaluate", { "evaluate", "/dev/zero", NULL }, 1,
    "/dev/zero is not a regular file" },
  { "data-fifo", { "evaluate", "--data", "fifo", "model", NULL }, 1, "fifo is not a folder" },
  { "data-dev-zero", { "evaluate", "--data", "/dev/zero", "model", NULL }, 1,
    "/dev/zero is not a folder" },
  { "data-text-file", { "inspect", "--data", "junk.png", NULL }, 1, "junk.png is not a folder" },
  { "data-empty-folder", { "inspect", "--data", "emptydir", NULL }, 1,
    "emptydir has no train-images-idx3-ubyte \\(or .gz\\) file" },
  { "data-missing", { "inspect", "--data", "nowhere", NULL }, 1,
    "The dataset folder nowhere does not exist" },
  { "resume-fifo", { "train", "--resume", "fifo", NULL }, 1,
    "could not resume: fifo is not a regular file" },
  { "resume-dev-zero", { "train", "--resume", "/dev/zero", NULL }, 1,
    "could not resume: /dev/zero is not a regular file" },
  { "resume-folder", { "train", "--resume", "emptydir", NULL }, 1,
    "could not resume: emptydir is a folder, not a file" },
  { "checkpoint-over-fifo", { "train", "--checkpoint", "fifo", NULL }, 1,
    "cannot write the checkpoint there: fifo exists and is not a regular file" },
  { "checkpoint-over-device", { "train", "--checkpoint", "/dev/null", NULL }, 1,
    "cannot write the checkpoint there: /dev/null exists and is not a regular file" },
  { "checkpoint-into-folder", { "train", "--checkpoint", "emptydir", NULL }, 1,
    "cannot write the checkpoint there: emptydir exists and is not a regular file \\(a folder\\)" },
  { "report-into-folder", { "inspect", "--output", "emptydir", NULL }, 1,
    "could not write the report: emptydir exists and is not a regular file \\(a folder\\)" },
  { "report-over-fifo", { "inspect", "--output", "fifo", NULL }, 1,
    "could not write the report: fifo exists and is not a regular file" },
  { "report-over-device", { "inspect", "--output", "/dev/null", NULL }, 1,
    "could not write the report: /dev/null exists and is not a regular file" },

  /* ---- pictures with nothing to classify: reported, the others still classified ---- */
  { "picture-blank", { "predict", "--model", "model", "blank.png", NULL }, 1,
    "blank.png: no ink found \\(a blank picture or one of a single value\\), nothing to classify" },
  { "picture-white", { "predict", "--model", "model", "white.png", NULL }, 1,
    "white.png: no ink found \\(a blank picture or one of a single value\\), nothing to classify" },
  { "picture-one-pixel", { "predict", "--model", "model", "pixel.png", NULL }, 1,
    "pixel.png: no ink found \\(a blank picture or one of a single value\\), nothing to classify" },
  { "picture-blank-among-others", { "predict", "--model", "model", "digit.png", "blank.png",
    NULL }, 1, "blank.png: no ink found \\(a blank picture or one of a single value\\), nothing to "
    "classify", "^digit.png: [0-9] \\([0-9.]+%\\)\n$" },
  { "picture-blank-json", { "predict", "--json", "--model", "model", "blank.png", "digit.png",
    NULL }, 1, "blank.png: no ink found \\(a blank picture or one of a single value\\), nothing to "
    "classify",
    "^\\{\"file\":\"digit.png\",\"class\":[0-9],\"name\":\"[0-9]\",\"confidence\":[0-9.e-]+,"
    "\"probabilities\":\\[[0-9.e,-]+\\]\\}\n$" },
};

static void
test_case (gconstpointer data)
{
  const Case *c = data;
  g_auto(Run) r = { 0 };
  g_autofree char *cmd = command_line (c->args);
  g_autofree char *pattern = g_strconcat ("^" P, c->err, "\n$", NULL);

  cli_run (&r, c->args);
  if (r.timed_out)
    {
      g_test_fail_printf ("%s: still running after %d s (it hangs)", cmd, RUN_TIMEOUT_S);
      return;
    }
  if (!r.exited)
    {
      g_test_fail_printf ("%s: did not exit (a crash or an abort); stderr: %s", cmd, r.err);
      return;
    }
  if (r.status != c->status)
    {
      g_test_fail_printf ("%s: exit status %d, not %d; stderr: %s; stdout: %.200s", cmd,
                          r.status, c->status, r.err, r.out);
      return;
    }
  /* one line on stderr, and the one expected */
  if (strchr (r.err, '\n') == NULL || strchr (r.err, '\n') != r.err + strlen (r.err) - 1 ||
      !g_regex_match_simple (pattern, r.err, G_REGEX_DOTALL, 0))
    {
      g_test_fail_printf ("%s: stderr is not the one line /%s/ but: %s", cmd, pattern, r.err);
      return;
    }
  if (c->out == NULL ? r.out[0] != '\0' : !g_regex_match_simple (c->out, r.out, G_REGEX_DOTALL, 0))
    {
      g_test_fail_printf ("%s: stdout should be %s but is: %.300s", cmd,
                          c->out != NULL ? c->out : "empty", r.out);
      return;
    }
}

/* A model file whose dataset name is made to end the card's YAML and add its own keys: export
 * succeeds and the card's front matter keeps its own licence and tags. */
static void
test_hostile_export (void)
{
  const char *args[] = { "export", "--json", "--model", "modelhostile", "hubhostile", NULL };
  g_auto(Run) r = { 0 };
  g_autofree char *card_path = g_build_filename (work_dir, "hubhostile", "README.md", NULL);
  g_autofree char *card = NULL;
  g_auto(GStrv) lines = NULL;
  guint n_license = 0, n_front = 0;

  cli_run (&r, args);
  g_assert_true (r.exited);
  g_assert_cmpstr (r.err, ==, "");
  g_assert_cmpint (r.status, ==, 0);
  g_assert_true (g_str_has_prefix (r.out, "{\"event\":\"exported\",\"dir\":\"hubhostile\","));
  g_assert_true (g_file_get_contents (card_path, &card, NULL, NULL));
  lines = g_strsplit (card, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      n_front += strcmp (lines[i], "---") == 0;
      if (n_front >= 2)
        break;
      n_license += g_str_has_prefix (lines[i], "license:");
      g_assert_cmpstr (lines[i], !=, "  - pwned");
    }
  g_assert_cmpuint (n_license, ==, 1);
  g_assert_nonnull (strstr (card, "\nlicense: cc-by-sa-3.0\n"));
  g_assert_nonnull (strstr (card, "datasets:\n  - \"mnist\\nlicense: mit\\ntags:\\n  - pwned\\n---"));
}

/* File and folder names need not be UTF-8; the JSON that names them must be. */
static void
test_non_utf8_names_json (void)
{
  const char *inspect_args[] = { "inspect", "--json", "--data", "data-\xff", NULL };
  const char *predict_args[] = { "predict", "--json", "--model", "model", "digit-\xff.png", NULL };
  g_auto(Run) inspect = { 0 };
  g_auto(Run) predict = { 0 };
  g_autofree char *dir = g_build_filename (work_dir, "data-\xff", NULL);
  g_autofree char *png = g_build_filename (work_dir, "digit-\xff.png", NULL);
  g_autofree char *digit = g_build_filename (work_dir, "digit.png", NULL);
  g_autofree char *contents = NULL;
  gsize size;

  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  fixture_write_split (dir, "train", 20, 28, 28, 10, FALSE, 7);
  fixture_write_split (dir, "t10k", 10, 28, 28, 10, FALSE, 8);
  g_assert_true (g_file_get_contents (digit, &contents, &size, NULL));
  g_assert_true (g_file_set_contents (png, contents, size, NULL));

  cli_run (&inspect, inspect_args);
  cli_run (&predict, predict_args);
  g_assert_cmpint (inspect.status, ==, 0);
  g_assert_cmpint (predict.status, ==, 0);
  for (int i = 0; i < 2; i++)
    {
      const char *out = i == 0 ? inspect.out : predict.out;
      g_autoptr(GError) error = NULL;
      g_autoptr(NnJsonNode) node = nn_json_parse (out, strlen (out), &error);

      g_assert_true (g_utf8_validate (out, -1, NULL));
      g_assert_no_error (error);
    }
  g_assert_nonnull (strstr (predict.out, "{\"file\":\"digit-\xef\xbf\xbd.png\","));
}

/* Nothing above put a regular file in the place of the FIFO or a device (a write renamed into
 * place would, and as root over /dev/null). Runs last. */
static void
test_non_files_left_alone (void)
{
  g_autofree char *fifo = g_build_filename (work_dir, "fifo", NULL);
  GStatBuf info;

  g_assert_cmpint (g_lstat (fifo, &info), ==, 0);
  g_assert_true (S_ISFIFO (info.st_mode));
  g_assert_cmpint (g_lstat ("/dev/null", &info), ==, 0);
  g_assert_true (S_ISCHR (info.st_mode));
}

/* ---- fixtures --------------------------------------------------------------------------- */

static const char *const digit_names[] = { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9",
                                           NULL };

static void
save_model (const char        *name,
            const char        *spec_text,
            size_t             C,
            size_t             H,
            size_t             W,
            const char        *dataset,
            const char *const *names)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnSpec) spec = nn_spec_parse (spec_text, &error);
  NnNormalisation norm = { 0.5f, 0.29f };
  g_autoptr(NnModel) model = NULL;
  g_autofree char *dir = g_build_filename (work_dir, name, NULL);
  NnRng rng;

  g_assert_no_error (error);
  model = nn_model_new (spec, C, H, W, NULL, &norm, dataset, names, 1, &error);
  g_assert_no_error (error);
  nn_rng_init (&rng, 5);
  nn_network_init_params (model->net, &rng);
  g_assert_true (nn_model_save (model, dir, &error));
  g_assert_no_error (error);
}

static void
save_png (const char *name,
          size_t      width,
          size_t      height,
          guint8      (*pixel) (size_t x, size_t y))
{
  g_autofree guint8 *pixels = g_new (guint8, width * height);
  g_autofree char *path = g_build_filename (work_dir, name, NULL);

  for (size_t y = 0; y < height; y++)
    for (size_t x = 0; x < width; x++)
      pixels[y * width + x] = pixel (x, y);
  g_assert_true (nn_png_save_gray (path, pixels, width, height, width, NULL));
}

static guint8 bar (size_t x, size_t y) { return x > 15 && x < 22 ? 10 : 245; }
static guint8 black (size_t x, size_t y) { return 0; }
static guint8 white (size_t x, size_t y) { return 255; }

static void
write_file (const char *name,
            const char *contents,
            gssize      length)
{
  g_autofree char *path = g_build_filename (work_dir, name, NULL);

  g_assert_true (g_file_set_contents (path, contents, length, NULL));
}

static void
make_fixtures (void)
{
  static const char *const fashion_names[] = { "T-shirt/top", "Trouser", "Pullover", "Dress",
                                               "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                                               "Ankle boot", NULL };
  static const char *const five_names[] = { "a", "b", "c", "d", "e", NULL };
  g_autofree char *data14 = g_build_filename (work_dir, "data14", NULL);
  g_autofree char *fashion = g_build_filename (work_dir, "fashion", NULL);
  g_autofree char *emptydir = g_build_filename (work_dir, "emptydir", NULL);
  g_autofree char *folder_png = g_build_filename (work_dir, "folder.png", NULL);
  g_autofree char *fifo = g_build_filename (work_dir, "fifo", NULL);
  g_autofree char *digit = g_build_filename (work_dir, "digit.png", NULL);
  g_autofree char *png = NULL;
  gsize png_size;

  data_dir = g_build_filename (work_dir, "data", NULL);
  g_assert_cmpint (g_mkdir (data_dir, 0755), ==, 0);
  fixture_write_split (data_dir, "train", 100, 28, 28, 10, FALSE, 1);
  fixture_write_split (data_dir, "t10k", 30, 28, 28, 10, FALSE, 2);
  g_assert_cmpint (g_mkdir (data14, 0755), ==, 0);
  fixture_write_split (data14, "train", 100, 14, 14, 10, FALSE, 3);
  fixture_write_split (data14, "t10k", 30, 14, 14, 10, FALSE, 4);
  g_assert_cmpint (g_mkdir (fashion, 0755), ==, 0);
  fixture_write_split (fashion, "train", 100, 28, 28, 10, FALSE, 5);
  fixture_write_split (fashion, "t10k", 30, 28, 28, 10, FALSE, 6);
  g_assert_cmpint (g_mkdir (emptydir, 0755), ==, 0);
  g_assert_cmpint (g_mkdir (folder_png, 0755), ==, 0);
  g_assert_cmpint (mkfifo (fifo, 0644), ==, 0);

  save_model ("model", "flatten dense(10)", 1, 28, 28, "mnist", digit_names);
  save_model ("model3", "flatten dense(10)", 3, 28, 28, "mnist", digit_names);
  save_model ("model14", "flatten dense(10)", 1, 14, 14, "mnist", digit_names);
  save_model ("model5", "flatten dense(5)", 1, 28, 28, "mnist", five_names);
  save_model ("modelfashion", "flatten dense(10)", 1, 28, 28, "fashion-mnist", fashion_names);
  save_model ("modelhostile", "flatten dense(10)", 1, 28, 28,
              "mnist\nlicense: mit\ntags:\n  - pwned\n---", digit_names);

  save_png ("digit.png", 40, 30, bar);
  save_png ("blank.png", 40, 30, black);
  save_png ("white.png", 40, 30, white);
  save_png ("pixel.png", 1, 1, bar);
  write_file ("empty.png", "", 0);
  write_file ("junk.png", "definitely not a PNG\n", -1);
  /* the signature, the header and part of the pixel data */
  g_assert_true (g_file_get_contents (digit, &png, &png_size, NULL));
  g_assert_cmpuint (png_size, >, 60);
  write_file ("truncated.png", png, png_size - 20);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  work_dir = g_dir_make_tmp ("digit-lab-hostile-cli-XXXXXX", &error);
  g_assert_no_error (error);
  make_fixtures ();

  for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/cli/hostile/%s", cases[i].name);

      g_test_add_data_func (path, &cases[i], test_case);
    }
  g_test_add_func ("/cli/hostile/export-hostile-dataset-name", test_hostile_export);
  g_test_add_func ("/cli/hostile/non-utf8-names-json", test_non_utf8_names_json);
  g_test_add_func ("/cli/hostile/non-files-left-alone", test_non_files_left_alone);
  status = g_test_run ();
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", work_dir);

    if (system (cmd) != 0)
      g_printerr ("could not remove %s\n", work_dir);
  }
  g_free (data_dir);
  g_free (work_dir);
  return status;
}
