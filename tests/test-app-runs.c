/* test-app-runs.c: every app run is recorded, the model survives a restart, runs are compared */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <string.h>

#include "app-helpers.h"
#include "dl-chart.h"
#include "dl-session.h"
#include "dl-train-page.h"
#include "dl-training.h"
#include "nn-network.h"
#include "nn-rng.h"
#include "nn-run-store.h"

static char *runs_dir;

/* A small learnable dataset: a bar in one of ten places, 28×28, with noise. */
static NnDataset *
bars_dataset (size_t n_train,
              size_t n_test)
{
  NnDataset *ds = nn_dataset_new ();
  NnRng rng;

  ds->kind = NN_DATASET_CUSTOM;
  ds->name = g_strdup ("bars");
  ds->dir = g_strdup ("generated");
  ds->n_classes = 10;
  ds->class_names = g_strsplit ("0 1 2 3 4 5 6 7 8 9", " ", -1);
  ds->train = nn_image_set_new (n_train, 28, 28);
  ds->test = nn_image_set_new (n_test, 28, 28);
  nn_rng_init (&rng, 5);
  for (int s = 0; s < 2; s++)
    {
      NnImageSet *set = s == 0 ? ds->train : ds->test;

      for (size_t i = 0; i < set->n_images; i++)
        {
          guint8 *img = set->pixels + i * 784;
          guint8 label = (guint8) nn_rng_below (&rng, 10);

          set->labels[i] = label;
          for (int p = 0; p < 784; p++)
            img[p] = (guint8) nn_rng_below (&rng, 30);
          for (int t = 4; t < 24; t++)
            img[t * 28 + 2 + 2 * label] = 250;
        }
    }
  return ds;
}

static void
on_finished (DlTraining *training,
             gboolean    stopped,
             gboolean   *done)
{
  *done = TRUE;
}

static void
wait_for (gboolean *flag,
          double    seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  while (!*flag && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (*flag);
}

/* Trains epochs on the window's dataset with learning rate lr; returns the run's id. */
static char *
train (DlWindow *window,
       guint     epochs,
       double    lr)
{
  DlTraining *training = dl_session_get_training (dl_window_get_session (window));
  g_autoptr(GSettings) settings = g_settings_new ("io.github.digitlab.DigitLab");
  gboolean done = FALSE;

  g_settings_set_uint (settings, "epochs", epochs);
  g_settings_set_uint (settings, "validation-size", 200);
  g_settings_set_double (settings, "learning-rate", lr);
  g_settings_set_string (settings, "architecture", "reference");
  spin ();
  g_signal_connect (training, "finished", G_CALLBACK (on_finished), &done);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.start-training", NULL));
  wait_for (&done, 120);
  spin ();
  g_signal_handlers_disconnect_by_data (training, &done);
  g_assert_nonnull (dl_training_get_run_id (training));
  return g_strdup (dl_training_get_run_id (training));
}

/* Waits until the window has read the remembered model (a worker reads it). */
static void
wait_for_model (DlWindow   *window,
                const char *description)
{
  DlSession *session = dl_window_get_session (window);
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (g_strcmp0 (dl_session_get_model_description (session), description) != 0 &&
         g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  g_assert_cmpstr (dl_session_get_model_description (session), ==, description);
}

static float *
dup_weights (NnModel *model,
             size_t  *n)
{
  *n = nn_network_get_n_params (model->net);
  return g_memdup2 (nn_network_get_params (model->net), *n * sizeof (float));
}

/* Train, close, start again: the model trained is the one in use, and the run is listed. */
static void
test_remembered (void)
{
  DlWindow *window = make_window ();
  g_autofree char *id = NULL;
  g_autofree char *description = NULL;
  g_autofree float *before = NULL, *after = NULL;
  size_t n_before, n_after;
  g_autoptr(NnRunStore) store = NULL;
  g_autoptr(NnRun) run = NULL;
  g_autoptr(GError) error = NULL;

  dl_window_set_dataset (window, bars_dataset (2000, 300));
  spin ();
  id = train (window, 2, 0.001);
  description = g_strdup (dl_session_get_model_description (dl_window_get_session (window)));
  g_assert_true (g_str_has_prefix (description, "Trained at "));
  before = dup_weights (dl_session_get_model (dl_window_get_session (window)), &n_before);
  close_window (window);

  store = nn_run_store_new (NULL, &error);
  g_assert_no_error (error);
  run = nn_run_store_load (store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (run->status, ==, NN_RUN_STATUS_FINISHED);
  g_assert_cmpuint (run->n_epochs, ==, 2);

  window = make_window_remembering ();
  wait_for_model (window, description);
  after = dup_weights (dl_session_get_model (dl_window_get_session (window)), &n_after);
  g_assert_cmpuint (n_before, ==, n_after);
  g_assert_cmpmem (before, n_before * sizeof (float), after, n_after * sizeof (float));
  close_window (window);
}

/* A remembered model that is gone: the built-in one, and a notice. */
static void
test_remembered_gone (void)
{
  g_autoptr(GSettings) settings = g_settings_new ("io.github.digitlab.DigitLab");
  g_autofree char *gone = g_build_filename (runs_dir, "no-such-model", NULL);
  DlWindow *window;
  gint64 end;

  g_settings_set_string (settings, "model-path", gone);
  g_settings_set_string (settings, "model-description", "Trained at 12:00");
  window = make_window_remembering ();
  end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (dl_window_get_last_toast (window) == NULL && g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  g_assert_nonnull (dl_window_get_last_toast (window));
  g_assert_nonnull (strstr (dl_window_get_last_toast (window), "built-in model"));
  g_assert_cmpstr (dl_session_get_model_description (dl_window_get_session (window)), ==,
                   "Built-in model");
  g_assert_cmpstr (g_settings_get_string (settings, "model-path"), ==, "");
  close_window (window);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  g_setenv ("DIGIT_LAB_DATA_DIR", "/nonexistent/digit-lab-data", TRUE);
  if (g_strcmp0 (g_getenv ("DISPLAY"), "") <= 0 && g_strcmp0 (g_getenv ("WAYLAND_DISPLAY"), "") <= 0)
    {
      if (g_getenv ("CI") != NULL)
        g_error ("no display: the GUI tests need one (run under xvfb-run)");
      g_print ("1..0 # SKIP no display\n");
      return 0;
    }
  /* a store of its own: nothing of the machine's, nothing left behind */
  runs_dir = g_dir_make_tmp ("digit-lab-runs-XXXXXX", &error);
  g_assert_no_error (error);
  g_setenv ("DIGIT_LAB_RUNS_DIR", runs_dir, TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  {
    g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();

    gtk_css_provider_load_from_resource (css, "/io/github/digitlab/DigitLab/style.css");
    gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                                GTK_STYLE_PROVIDER (css),
                                                GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  }
  g_test_add_func ("/app/runs/remembered", test_remembered);
  g_test_add_func ("/app/runs/remembered-gone", test_remembered_gone);
  status = g_test_run ();
  {
    g_autofree char *cmd = NULL;
    g_autofree char *quoted = g_shell_quote (runs_dir);

    cmd = g_strdup_printf ("rm -rf %s", quoted);
    g_spawn_command_line_sync (cmd, NULL, NULL, NULL, NULL);
  }
  return status;
}
