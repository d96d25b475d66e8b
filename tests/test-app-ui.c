/* test-app-ui.c: what a person meets on the pages — every key listed in the Keyboard Shortcuts
 * window, the pages' keys, numbers in the locale's style, widgets that keep their values */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <locale.h>
#include <adwaita.h>
#include <glib/gstdio.h>

#include "dl-application.h"
#include "dl-confusion-matrix.h"
#include "dl-format.h"
#include "dl-preferences.h"
#include "dl-training.h"
#include "dl-window.h"
#include "dl-window-private.h"
#include "app-helpers.h"
#include "fixtures.h"
#include "nn-dataset.h"
#include "nn-png.h"
#include "nn-metrics.h"
#include "nn-rng.h"

/* The first label under widget whose text matches a regular expression, or NULL. */
static GtkLabel *
find_label (GtkWidget  *widget,
            const char *pattern)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkLabel *found;

      if (GTK_IS_LABEL (child) &&
          g_regex_match_simple (pattern, gtk_label_get_label (GTK_LABEL (child)), 0, 0))
        return GTK_LABEL (child);
      if ((found = find_label (child, pattern)) != NULL)
        return found;
    }
  return NULL;
}

/* The first widget of that type under widget (depth first), or NULL. */
static GtkWidget *
find_widget (GtkWidget *widget,
             GType      type)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (G_TYPE_CHECK_INSTANCE_TYPE (child, type))
        return child;
      if ((found = find_widget (child, type)) != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
find_toggle_with_icon (GtkWidget  *widget,
                       const char *icon)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (GTK_IS_TOGGLE_BUTTON (child) &&
          g_strcmp0 (gtk_button_get_icon_name (GTK_BUTTON (child)), icon) == 0)
        return child;
      if ((found = find_toggle_with_icon (child, icon)) != NULL)
        return found;
    }
  return NULL;
}

static void
wait_until (gboolean (*done) (gpointer),
            gpointer   data)
{
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!done (data) && g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  spin ();
}

/* An evaluation of three classes with a four-digit diagonal: class 0 has 1,200 right and 34
 * taken for 1; class 1 has 5 right; class 2 has 2 taken for 0. */
static NnEvaluation *
small_evaluation (void)
{
  const size_t n = 1200 + 34 + 5 + 2;
  g_autofree float *probs = g_new0 (float, n * 3);
  g_autofree guint8 *labels = g_new0 (guint8, n);
  size_t i = 0;

  for (size_t k = 0; k < 1200; k++, i++)
    labels[i] = 0, probs[i * 3 + 0] = 1;
  for (size_t k = 0; k < 34; k++, i++)
    labels[i] = 0, probs[i * 3 + 1] = 1;
  for (size_t k = 0; k < 5; k++, i++)
    labels[i] = 1, probs[i * 3 + 1] = 1;
  for (size_t k = 0; k < 2; k++, i++)
    labels[i] = 2, probs[i * 3 + 0] = 1;
  return nn_evaluation_new (probs, labels, n, 3);
}

/* Every GtkShortcutsShortcut under widget. */
static void
collect_shortcuts (GtkWidget *widget,
                   GPtrArray *found)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_SHORTCUTS_SHORTCUT (child))
        g_ptr_array_add (found, child);
      collect_shortcuts (child, found);
    }
}

static gboolean
strv_has_prefix (const char *const *strv,
                 const char        *prefix)
{
  for (; strv != NULL && *strv != NULL; strv++)
    if (g_str_has_prefix (*strv, prefix))
      return TRUE;
  return FALSE;
}

/* Each entry of the Keyboard Shortcuts window shows a key, and each key the application knows
 * has its entry; the page keys follow the pages. */
static void
test_shortcuts_window (void)
{
  g_autoptr(DlApplication) app = dl_application_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) shortcuts = g_ptr_array_new ();
  g_autoptr(GPtrArray) listed = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) actions = NULL;
  g_auto(GStrv) page_names = _dl_window_list_page_names ();
  g_autofree char *page_range = NULL;
  GtkShortcutsWindow *overlay;
  DlWindow *window;
  gboolean found_pages = FALSE;

  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  window = dl_window_new (ADW_APPLICATION (app));
  gtk_window_present (GTK_WINDOW (window));
  spin ();
  overlay = gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (window));
  g_assert_nonnull (overlay);
  collect_shortcuts (GTK_WIDGET (overlay), shortcuts);
  g_assert_cmpuint (shortcuts->len, >=, 15);
  page_range = g_strdup_printf ("<Alt>1...<Alt>%u", MIN (g_strv_length (page_names), 9));
  for (guint i = 0; i < shortcuts->len; i++)
    {
      g_autofree char *title = NULL;
      g_autofree char *action = NULL;
      g_autofree char *accel = NULL;

      g_object_get (shortcuts->pdata[i], "title", &title, "action-name", &action,
                    "accelerator", &accel, NULL);
      g_test_message ("%s: %s %s", title, action, accel);
      if (action != NULL)
        {
          g_auto(GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app),
                                                                        action);

          g_assert_cmpuint (g_strv_length (accels), >, 0);
          g_ptr_array_add (listed, g_steal_pointer (&action));
        }
      else
        {
          g_assert_nonnull (accel);
          g_assert_cmpstr (accel, !=, "");
          /* the page keys, as many as there are pages, in the entry and its search result */
          if (g_str_has_prefix (accel, "<Alt>1..."))
            {
              g_assert_cmpstr (accel, ==, page_range);
              found_pages = TRUE;
            }
        }
    }
  g_assert_true (found_pages);

  /* the other way round: no key of the application is missing from the window */
  actions = gtk_application_list_action_descriptions (GTK_APPLICATION (app));
  for (guint i = 0; actions[i] != NULL; i++)
    {
      g_auto(GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app),
                                                                    actions[i]);

      if (g_str_has_prefix (actions[i], "win.show-page::"))
        {
          g_assert_true (strv_has_prefix ((const char *const *) accels, "<Alt>"));
          continue;
        }
      g_test_message ("%s has a key; listed: %d", actions[i],
                      g_ptr_array_find_with_equal_func (listed, actions[i], g_str_equal, NULL));
      g_assert_true (g_ptr_array_find_with_equal_func (listed, actions[i], g_str_equal, NULL));
    }

  /* Alt+number and Ctrl+Page Up/Down move between the pages, in the switcher's order */
  for (guint i = 0; page_names[i] != NULL && i < 9; i++)
    {
      g_autofree char *detailed = g_strdup_printf ("win.show-page::%s", page_names[i]);
      g_auto(GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app),
                                                                    detailed);
      g_autofree char *want = g_strdup_printf ("<Alt>%u", i + 1);

      g_assert_cmpuint (g_strv_length (accels), ==, 1);
      g_assert_cmpstr (accels[0], ==, want);
    }
  {
    AdwViewStack *stack = window->stack;
    guint n = g_strv_length (page_names);

    adw_view_stack_set_visible_child_name (stack, page_names[0]);
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.previous-page", NULL));
    g_assert_cmpstr (adw_view_stack_get_visible_child_name (stack), ==, page_names[0]);
    for (guint i = 1; i < n; i++)
      {
        g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.next-page", NULL));
        g_assert_cmpstr (adw_view_stack_get_visible_child_name (stack), ==, page_names[i]);
      }
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.next-page", NULL));
    g_assert_cmpstr (adw_view_stack_get_visible_child_name (stack), ==, page_names[n - 1]);
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.previous-page", NULL));
    g_assert_cmpstr (adw_view_stack_get_visible_child_name (stack), ==, page_names[n - 2]);
  }
  close_window (window);
}


static void
on_notify (GObject    *object,
           GParamSpec *pspec,
           guint      *count)
{
  (*count)++;
}

/* The cells show counts or their share of the true class; the figure has the axis titles. */
static void
test_confusion_matrix_percent (void)
{
  GtkWidget *matrix = g_object_ref_sink (dl_confusion_matrix_new ());
  DlConfusionMatrix *m = DL_CONFUSION_MATRIX (matrix);
  g_autoptr(NnEvaluation) ev = small_evaluation ();
  const char *const names[] = { "zero", "one", "two", NULL };
  guint notified = 0;
  char *text;

  dl_confusion_matrix_set_evaluation (m, ev, names);
  g_signal_connect (matrix, "notify::percent", G_CALLBACK (on_notify), &notified);
  g_assert_false (dl_confusion_matrix_get_percent (m));
  text = dl_confusion_matrix_dup_cell_text (m, 0, 0);
  g_assert_cmpstr (text, ==, "1200");
  g_free (text);
  text = dl_confusion_matrix_dup_cell_text (m, 0, 2);
  g_assert_cmpstr (text, ==, "");
  g_free (text);
  g_assert_null (dl_confusion_matrix_dup_cell_text (m, 3, 0));

  g_object_set (matrix, "percent", TRUE, NULL);
  g_object_set (matrix, "percent", TRUE, NULL);
  g_assert_cmpuint (notified, ==, 1);
  /* 1200 / 1234 and 34 / 1234 of class zero; all of class one; both of class two */
  text = dl_confusion_matrix_dup_cell_text (m, 0, 0);
  g_assert_cmpstr (text, ==, "97.2%");
  g_free (text);
  text = dl_confusion_matrix_dup_cell_text (m, 0, 1);
  g_assert_cmpstr (text, ==, "2.8%");
  g_free (text);
  text = dl_confusion_matrix_dup_cell_text (m, 1, 1);
  g_assert_cmpstr (text, ==, "100.0%");
  g_free (text);
  text = dl_confusion_matrix_dup_cell_text (m, 2, 0);
  g_assert_cmpstr (text, ==, "100.0%");
  g_free (text);
  /* screen readers hear both, whatever the cells show */
  g_assert_nonnull (strstr (dl_confusion_matrix_get_summary (m),
                            "zero predicted as one, 34 images (2.8%)"));
  g_signal_handlers_disconnect_by_data (matrix, &notified);
  g_object_unref (matrix);
}

/* Counts in the UI follow the locale's digit grouping and decimal sign; C has none. */
static void
test_format_locale (void)
{
  g_autofree char *saved = g_strdup (setlocale (LC_ALL, NULL));
  const struct
  {
    const char *locale;
    const char *count;
    const char *percent;
  } cases[] = {
    { "C.UTF-8", "70000", "98.73%" },
    { "de_DE.UTF-8", "70.000", "98,73%" },
    /* a no-break space groups the digits in Swedish: which one depends on the C library */
    { "sv_SE.UTF-8", NULL, "98,73%" },
  };

  for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *count = NULL;
      g_autofree char *percent = NULL;

      if (setlocale (LC_ALL, cases[i].locale) == NULL)
        {
          g_test_message ("locale %s is not installed", cases[i].locale);
          continue;
        }
      count = dl_format_count (70000);
      percent = dl_format_percent (0.98734, 2);
      if (cases[i].count != NULL)
        g_assert_cmpstr (count, ==, cases[i].count);
      else
        {
          const char *sep = localeconv ()->thousands_sep;
          g_autofree char *want = g_strdup_printf ("70%s000", sep);

          g_assert_true (g_strcmp0 (sep, "\u00a0") == 0 || g_strcmp0 (sep, "\u202f") == 0);
          g_assert_cmpstr (count, ==, want);
        }
      g_assert_cmpstr (percent, ==, cases[i].percent);
    }

  /* the Dataset page's count and the Evaluate page's numbers, under German rules */
  if (setlocale (LC_ALL, "de_DE.UTF-8") != NULL)
    {
      DlWindow *window = make_window ();
      GtkLabel *label;

      dl_window_set_dataset (window, bars_dataset (1200, 100));
      spin ();
      label = find_label (GTK_WIDGET (dl_window_get_dataset_page (window)), "^1\\.300 ");
      g_assert_nonnull (label);
      g_assert_cmpstr (gtk_label_get_label (label), ==, "1.300 images");
      close_window (window);
    }
  else
    g_test_message ("de_DE.UTF-8 is not installed: the page is not checked");
  setlocale (LC_ALL, saved);
}

/* The Evaluate page says which model it measures, before and after. */
static void
test_evaluate_names_model (void)
{
  DlWindow *window = make_window ();
  DlEvaluatePage *page = dl_window_get_evaluate_page (window);
  DlSession *session = dl_window_get_session (window);
  gint64 end;
  GtkLabel *label;

  dl_window_set_dataset (window, bars_dataset (100, 1100));
  spin ();
  g_assert_nonnull (find_label (GTK_WIDGET (page),
                                "^Measure the model in use \\(Built-in model\\) on the 1100 test"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "evaluate.run", NULL));
  end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (dl_evaluate_page_get_evaluation (page) == NULL && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (dl_evaluate_page_get_evaluation (page));
  label = find_label (GTK_WIDGET (page), "^Model: ");
  g_assert_nonnull (label);
  g_assert_cmpstr (gtk_label_get_label (label), ==, "Model: Built-in model");
  g_assert_nonnull (find_label (GTK_WIDGET (page), "^[0-9]+ of 1100 test images right$"));
  /* one style of number: percentages, no fractions with four decimals */
  g_assert_nonnull (find_label (GTK_WIDGET (page), "^[0-9]+\\.[0-9]{2}% accuracy$"));
  g_assert_nonnull (find_label (GTK_WIDGET (page), "^[0-9]+\\.[0-9]%$"));
  g_assert_null (find_label (GTK_WIDGET (page), "^[01]\\.[0-9]{4}$"));

  /* another model: the results go, and the page names the new one */
  dl_session_set_model (session, dl_session_get_model (session), "Opened from other.safetensors");
  spin ();
  label = find_label (GTK_WIDGET (page), "^Model: ");
  g_assert_cmpstr (gtk_label_get_label (label), ==, "Model: Opened from other.safetensors");
  close_window (window);
}

static gboolean
flap_folded (gpointer flap)
{
  return adw_flap_get_folded (flap);
}

/* At 360 pixels the details cover the grid: they say so on selection, have their own close
 * button, Escape closes them, and their empty state is the same before and after a filter. */
static void
test_dataset_details_narrow (void)
{
  DlWindow *window = g_object_new (DL_TYPE_WINDOW, NULL);
  DlDatasetPage *page = dl_window_get_dataset_page (window);
  GtkLabel *empty;
  GtkWidget *flap, *toggle, *split;
  const char *details;

  gtk_window_set_default_size (GTK_WINDOW (window), 360, 700);
  gtk_window_present (GTK_WINDOW (window));
  dl_window_set_dataset (window, bars_dataset (300, 100));
  adw_view_stack_set_visible_child_name (window->stack, "dataset");
  flap = find_widget (GTK_WIDGET (page), ADW_TYPE_FLAP);
  g_assert_nonnull (flap);
  wait_until (flap_folded, flap);
  g_assert_true (adw_flap_get_folded (ADW_FLAP (flap)));
  g_assert_false (adw_flap_get_reveal_flap (ADW_FLAP (flap)));
  toggle = find_toggle_with_icon (GTK_WIDGET (page), "sidebar-show-right-symbolic");
  g_assert_nonnull (toggle);
  empty = find_label (GTK_WIDGET (page), "^No Image Selected$");
  g_assert_nonnull (empty);
  g_assert_true (gtk_widget_get_visible (gtk_widget_get_parent (GTK_WIDGET (empty))));

  /* a selection lights the button that shows it */
  g_assert_false (gtk_widget_has_css_class (toggle, "suggested-action"));
  details = dl_dataset_page_select (page, 3);
  g_assert_true (g_str_has_prefix (details, "Training image 3\n"));
  g_assert_false (gtk_widget_get_visible (gtk_widget_get_parent (GTK_WIDGET (empty))));
  g_assert_true (gtk_widget_has_css_class (toggle, "suggested-action"));

  /* Escape is the page's key for dataset.hide-details */
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (toggle), TRUE);
  spin ();
  g_assert_true (adw_flap_get_reveal_flap (ADW_FLAP (flap)));
  g_assert_false (gtk_widget_has_css_class (toggle, "suggested-action"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "dataset.hide-details", NULL));
  spin ();
  g_assert_false (adw_flap_get_reveal_flap (ADW_FLAP (flap)));

  /* another split: the selection goes, and the empty state is the one shown at first */
  split = find_widget (GTK_WIDGET (page), GTK_TYPE_DROP_DOWN);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (split), 2);
  spin ();
  g_assert_true (gtk_widget_get_visible (gtk_widget_get_parent (GTK_WIDGET (empty))));
  g_assert_false (gtk_widget_has_css_class (toggle, "suggested-action"));
  close_window (window);
}

static gboolean
report_ready (gpointer page)
{
  return dl_explore_page_get_report (page) != NULL;
}

/* Scrolling the Explore page over the rotation field scrolls the page, not the value; once the
 * field has the focus the wheel is its own. */
static void
test_explore_scroll_keeps_rotation (void)
{
  DlWindow *window = make_window ();
  DlExplorePage *page = dl_window_get_explore_page (window);
  GtkWidget *spin_button, *scrolled;
  GtkEventController *guard = NULL;
  GListModel *controllers;
  GtkAdjustment *vadjustment;
  double value, top;
  gboolean handled = FALSE;

  gtk_window_set_default_size (GTK_WINDOW (window), 700, 400);
  dl_window_set_dataset (window, bars_dataset (300, 100));
  adw_view_stack_set_visible_child_name (window->stack, "explore");
  wait_until (report_ready, page);
  spin_button = find_widget (GTK_WIDGET (page), GTK_TYPE_SPIN_BUTTON);
  g_assert_nonnull (spin_button);
  controllers = gtk_widget_observe_controllers (spin_button);
  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) c = g_list_model_get_item (controllers, i);

      if (g_strcmp0 (gtk_event_controller_get_name (c), "dl-scroll-guard") == 0)
        guard = c;
    }
  g_object_unref (controllers);
  g_assert_nonnull (guard);
  /* it sees the wheel before the spin button's own handling does */
  g_assert_cmpint (gtk_event_controller_get_propagation_phase (guard), ==, GTK_PHASE_CAPTURE);

  scrolled = gtk_widget_get_ancestor (spin_button, GTK_TYPE_SCROLLED_WINDOW);
  vadjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));
  gtk_adjustment_set_value (vadjustment, 0);
  value = gtk_spin_button_get_value (GTK_SPIN_BUTTON (spin_button));
  top = gtk_adjustment_get_value (vadjustment);
  gtk_widget_grab_focus (GTK_WIDGET (dl_window_get_dataset_page (window)));
  g_signal_emit_by_name (guard, "scroll", 0.0, 1.0, &handled);
  g_assert_true (handled);
  g_assert_cmpfloat (gtk_spin_button_get_value (GTK_SPIN_BUTTON (spin_button)), ==, value);
  if (gtk_adjustment_get_upper (vadjustment) > gtk_adjustment_get_page_size (vadjustment))
    g_assert_cmpfloat (gtk_adjustment_get_value (vadjustment), >, top);

  /* focused, the field takes the wheel: the guard lets it through */
  g_assert_true (gtk_widget_grab_focus (spin_button));
  handled = TRUE;
  g_signal_emit_by_name (guard, "scroll", 0.0, 1.0, &handled);
  g_assert_false (handled);
  close_window (window);
}

static void
on_training_finished (DlTraining *training,
                      gboolean    stopped,
                      gboolean   *done)
{
  *done = TRUE;
}

static void
on_epoch_kept (DlTraining         *training,
               const NnEpochStats *stats,
               NnEpochStats       *best)
{
  if (stats->is_best)
    *best = *stats;
}

/* Stop is red only while it can stop; Pause and Resume take one width; paused, the status
 * keeps where the run is; finished, it names the epoch kept and its accuracy, on the page
 * rather than in a toast over the charts. */
static void
test_train_page_status (void)
{
  DlWindow *window = make_window ();
  DlTrainPage *page = dl_window_get_train_page (window);
  DlTraining *training = dl_train_page_get_training (page);
  g_autoptr(GSettings) settings = g_settings_new ("io.github.digitlab.DigitLab");
  GtkWidget *stop = NULL, *pause = NULL;
  GtkLabel *status;
  NnEpochStats best = { 0 };
  gboolean done = FALSE;
  g_autofree char *kept = NULL;
  gint64 end;
  int width_pause, width_resume;

  g_settings_set_uint (settings, "epochs", 1);
  g_settings_set_uint (settings, "validation-size", 100);
  g_settings_set_string (settings, "architecture", "reference");
  dl_window_set_dataset (window, bars_dataset (600, 100));
  adw_view_stack_set_visible_child_name (window->stack, "train");
  spin ();
  {
    GtkLabel *label = find_label (GTK_WIDGET (page), "^Stop$");
    GtkLabel *plabel = find_label (GTK_WIDGET (page), "^_?Pause$");

    g_assert_nonnull (label);
    g_assert_nonnull (plabel);
    stop = gtk_widget_get_ancestor (GTK_WIDGET (label), GTK_TYPE_BUTTON);
    pause = gtk_widget_get_ancestor (GTK_WIDGET (plabel), GTK_TYPE_BUTTON);
  }
  g_assert_false (gtk_widget_get_sensitive (stop));
  g_assert_false (gtk_widget_has_css_class (stop, "destructive-action"));
  width_pause = gtk_widget_get_width (pause);

  g_signal_connect (training, "finished", G_CALLBACK (on_training_finished), &done);
  g_signal_connect (training, "epoch-finished", G_CALLBACK (on_epoch_kept), &best);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.start-training", NULL));
  g_assert_true (dl_training_get_running (training));
  spin ();
  g_assert_true (gtk_widget_get_sensitive (stop));
  g_assert_true (gtk_widget_has_css_class (stop, "destructive-action"));

  /* paused after a progress report: the status says so, and where the run is */
  end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (find_label (GTK_WIDGET (page), "^Epoch 1 of 1 · batch [0-9]+ of [0-9]+\n") == NULL &&
         !done && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  if (!done)
    {
      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "train.pause", NULL));
      spin ();
      g_assert_nonnull (find_label (GTK_WIDGET (page), "^Paused\nEpoch 1 of 1 · batch [0-9]+ of "));
      width_resume = gtk_widget_get_width (pause);
      g_assert_cmpint (width_resume, ==, width_pause);
      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "train.pause", NULL));
    }
  end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (!done && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (done);
  spin ();
  g_signal_handlers_disconnect_by_data (training, &done);
  g_signal_handlers_disconnect_by_data (training, &best);

  g_assert_cmpuint (best.epoch, ==, 1);
  {
    g_autofree char *accuracy = dl_format_percent (best.val_accuracy, 2);

    kept = g_strdup_printf ("Finished: epoch 1 is kept (%s validation accuracy)\n"
                            "The other pages now use this model.", accuracy);
  }
  status = find_label (GTK_WIDGET (page), "^Finished: ");
  g_assert_nonnull (status);
  g_assert_cmpstr (gtk_label_get_label (status), ==, kept);
  /* no toast over the charts of the page in view */
  g_assert_null (dl_window_get_last_toast (window));
  g_assert_false (gtk_widget_has_css_class (stop, "destructive-action"));
  close_window (window);
}

/* The pen width chosen is kept and draws; a picture opened says its name under the prediction,
 * until a drawing replaces it; with nothing to classify the prediction is a grey "?". */
static void
test_draw_page_pen_and_source (void)
{
  DlWindow *window = make_window ();
  DlDrawPage *page = dl_window_get_draw_page (window);
  DlCanvas *canvas = DL_CANVAS (dl_draw_page_get_canvas (page));
  g_autoptr(GSettings) settings = g_settings_new ("io.github.digitlab.DigitLab");
  g_autofree char *path = g_test_build_filename (G_TEST_BUILT, "seven é.png", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree float *thin = NULL;
  g_autofree float *thick = NULL;
  guint8 pixels[28 * 28] = { 0 };
  GtkLabel *prediction;
  double ink_thin = 0, ink_thick = 0;
  const double xy[] = { 0.3, 0.2, 0.7, 0.2, 0.45, 0.8 };

  prediction = find_label (GTK_WIDGET (page), "^\\?$");
  g_assert_nonnull (prediction);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (prediction), "dim-label"));

  g_settings_set_string (settings, "pen-width", "thin");
  g_assert_cmpfloat (dl_canvas_get_pen_scale (canvas), <, 1);
  draw_polyline (canvas, xy, 3);
  thin = dl_canvas_render_ink (canvas);
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (prediction), "dim-label"));
  dl_canvas_clear (canvas);
  g_settings_set_string (settings, "pen-width", "thick");
  g_assert_cmpfloat (dl_canvas_get_pen_scale (canvas), >, 1);
  draw_polyline (canvas, xy, 3);
  thick = dl_canvas_render_ink (canvas);
  for (size_t i = 0; i < DL_CANVAS_RENDER_SIZE * DL_CANVAS_RENDER_SIZE; i++)
    {
      ink_thin += thin[i];
      ink_thick += thick[i];
    }
  g_test_message ("ink: thin pen %.0f, thick pen %.0f", ink_thin, ink_thick);
  g_assert_cmpfloat (ink_thick, >, 2 * ink_thin);
  g_settings_reset (settings, "pen-width");
  g_assert_cmpfloat (dl_canvas_get_pen_scale (canvas), ==, 1);

  /* a picture: its name shows, in the file system's encoding turned to UTF-8 */
  for (int t = 4; t < 24; t++)
    pixels[t * 28 + 14] = 250;
  g_assert_true (nn_png_save_gray (path, pixels, 28, 28, 28, NULL));
  g_assert_true (dl_draw_page_classify_file (page, path, &error));
  g_assert_no_error (error);
  g_assert_nonnull (find_label (GTK_WIDGET (page), "^From seven é\\.png$"));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (find_label (GTK_WIDGET (page), "^From "))));
  /* a drawing replaces it */
  draw_polyline (canvas, xy, 3);
  g_assert_null (find_label (GTK_WIDGET (page), "^From "));
  g_unlink (path);
  close_window (window);
}

/* Preferences: the style, the pen width and the training threads, each kept in GSettings; the
 * threads read "Automatic" at 0, the engine's one per core. */
static void
test_preferences_rows (void)
{
  g_autoptr(GSettings) settings = g_settings_new ("io.github.digitlab.DigitLab");
  GtkWidget *prefs = dl_preferences_new (NULL);
  GtkWidget *spin_button;
  gpointer weak = prefs;

  gtk_window_present (GTK_WINDOW (prefs));
  spin ();
  g_assert_nonnull (find_label (prefs, "^_?Style$"));
  g_assert_nonnull (find_label (prefs, "^_?Pen width$"));
  g_assert_nonnull (find_label (prefs, "^_?Threads$"));
  spin_button = find_widget (prefs, GTK_TYPE_SPIN_BUTTON);
  g_assert_nonnull (spin_button);
  g_test_message ("threads: '%s'", gtk_editable_get_text (GTK_EDITABLE (spin_button)));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (spin_button)), ==, "Automatic");
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin_button), 2);
  g_assert_cmpuint (g_settings_get_uint (settings, "training-threads"), ==, 2);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (spin_button)), ==, "2");
  g_settings_reset (settings, "training-threads");
  g_assert_cmpfloat (gtk_spin_button_get_value (GTK_SPIN_BUTTON (spin_button)), ==, 0);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (spin_button)), ==, "Automatic");
  g_settings_set_string (settings, "pen-width", "thick");
  g_assert_nonnull (find_label (prefs, "^Thick$"));
  g_settings_reset (settings, "pen-width");
  g_object_add_weak_pointer (G_OBJECT (prefs), &weak);
  gtk_window_destroy (GTK_WINDOW (prefs));
  spin ();
  g_assert_null (weak);
}

/* Every page fits a phone's 360 pixels (the window's minimum width), with a dataset, a model
 * and an evaluation showing: nothing forces a wider window. */
static void
test_pages_fit_narrow (void)
{
  DlWindow *window = make_window ();
  DlEvaluatePage *evaluate = dl_window_get_evaluate_page (window);
  g_autoptr(GtkSelectionModel) pages = adw_view_stack_get_pages (window->stack);
  gint64 end;
  int widest = 0;

  dl_window_set_dataset (window, bars_dataset (300, 100));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (evaluate), "evaluate.run", NULL));
  end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while ((dl_evaluate_page_get_evaluation (evaluate) == NULL ||
          dl_explore_page_get_report (dl_window_get_explore_page (window)) == NULL) &&
         g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  dl_dataset_page_select (dl_window_get_dataset_page (window), 2);
  spin ();
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (pages)); i++)
    {
      g_autoptr(AdwViewStackPage) item = g_list_model_get_item (G_LIST_MODEL (pages), i);
      GtkWidget *child = adw_view_stack_page_get_child (item);
      int minimum;

      gtk_widget_measure (child, GTK_ORIENTATION_HORIZONTAL, -1, &minimum, NULL, NULL, NULL);
      g_test_message ("%s: at least %d pixels wide", adw_view_stack_page_get_name (item), minimum);
      widest = MAX (widest, minimum);
    }
  g_assert_cmpint (widest, <=, 360);

  /* narrow, the pages are icons named by their whole titles (labels under seven icons would be
   * cut short at 360 pixels), and a button shows its page */
  {
    GtkWidget *box = gtk_action_bar_get_center_widget (window->narrow_bar);
    guint n = 0;
    int minimum;

    gtk_widget_measure (GTK_WIDGET (window->narrow_bar), GTK_ORIENTATION_HORIZONTAL, -1,
                        &minimum, NULL, NULL, NULL);
    g_assert_cmpint (minimum, <=, 360);
    for (GtkWidget *button = gtk_widget_get_first_child (box); button != NULL;
         button = gtk_widget_get_next_sibling (button), n++)
      {
        const char *name = g_object_get_data (G_OBJECT (button), "page");
        GtkWidget *child = adw_view_stack_get_child_by_name (window->stack, name);
        AdwViewStackPage *page = adw_view_stack_get_page (window->stack, child);
        g_autofree char *title = g_strdup (adw_view_stack_page_get_title (page));
        const char *tooltip = gtk_widget_get_tooltip_text (button);
        GString *plain = g_string_new (NULL);

        for (const char *c = title; *c != '\0'; c++)
          if (*c != '_')
            g_string_append_c (plain, *c);
        g_assert_nonnull (gtk_button_get_icon_name (GTK_BUTTON (button)));
        g_assert_cmpstr (tooltip, ==, plain->str);
        g_string_free (plain, TRUE);
        gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (button), TRUE);
        g_assert_cmpstr (adw_view_stack_get_visible_child_name (window->stack), ==, name);
        g_assert_cmpstr (adw_view_switcher_title_get_subtitle (window->switcher_title), ==,
                         tooltip);
      }
    g_assert_cmpuint (n, ==, g_list_model_get_n_items (G_LIST_MODEL (pages)));
    /* and follow a page shown otherwise */
    adw_view_stack_set_visible_child_name (window->stack, "evaluate");
    for (GtkWidget *button = gtk_widget_get_first_child (box); button != NULL;
         button = gtk_widget_get_next_sibling (button))
      g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (button)) ==
                     g_str_equal (g_object_get_data (G_OBJECT (button), "page"), "evaluate"));
  }
  close_window (window);
}

/* The matrix's grid, axis titles, class names and legend never overlap and stay inside the area
 * at any size Export Figure can ask for (its frames, in design units, for 900 × 600, 600 × 900 and
 * 1600 × 900 among them) and on screen; what does not fit is left out, the grid last. */
static gboolean
box_empty (const graphene_rect_t *r)
{
  return r->size.width <= 0 || r->size.height <= 0;
}

static void
test_confusion_matrix_layout (void)
{
  GtkWidget *matrix = g_object_ref_sink (dl_confusion_matrix_new ());
  g_autoptr(NnEvaluation) ev = small_evaluation ();
  const char *const names[] = { "zero", "one", "two", NULL };
  const double widths[] = { 1, 16, 40, 120, 240, 360, 568, 643, 900, 1768, 8000 };
  const double heights[] = { 0, 1, 20, 64, 120, 300, 380, 450, 830, 1530, 8000 };

  dl_confusion_matrix_set_evaluation (DL_CONFUSION_MATRIX (matrix), ev, names);
  for (gsize i = 0; i < G_N_ELEMENTS (widths); i++)
    for (gsize j = 0; j < G_N_ELEMENTS (heights); j++)
      {
        DlConfusionMatrixLayout l;
        double w = widths[i], h = heights[j];
        const graphene_rect_t *boxes[] = { &l.grid, &l.predicted_title, &l.column_names,
                                           &l.true_title, &l.row_names, &l.legend[0],
                                           &l.legend[1] };

        dl_confusion_matrix_get_layout (DL_CONFUSION_MATRIX (matrix), w, h, &l);
        if (h <= 0)
          h = l.height;
        for (gsize a = 0; a < G_N_ELEMENTS (boxes); a++)
          {
            if (box_empty (boxes[a]))
              continue;
            /* only the grid is drawn alone: titles and names come with one, the legend too */
            g_assert_false (box_empty (&l.grid));
            g_assert_cmpfloat (boxes[a]->origin.x, >=, 0);
            g_assert_cmpfloat (boxes[a]->origin.y, >=, 0);
            g_assert_cmpfloat (boxes[a]->origin.x + boxes[a]->size.width, <=, w);
            g_assert_cmpfloat (boxes[a]->origin.y + boxes[a]->size.height, <=, h);
            for (gsize b = a + 1; b < G_N_ELEMENTS (boxes); b++)
              if (!box_empty (boxes[b]) && graphene_rect_intersection (boxes[a], boxes[b], NULL))
                g_error ("at %g × %g box %" G_GSIZE_FORMAT " overlaps box %" G_GSIZE_FORMAT,
                         widths[i], heights[j], a, b);
          }
        /* Export Figure's frames and the widget at its narrowest show everything */
        if (w >= 240 && (heights[j] <= 0 || h >= 300))
          for (gsize a = 0; a < G_N_ELEMENTS (boxes); a++)
            g_assert_false (box_empty (boxes[a]));
      }
  g_object_unref (matrix);
}

int
main (int   argc,
      char *argv[])
{
  /* windows must not pick up a dataset of the machine's; each test gives its own */
  g_setenv ("DIGIT_LAB_DATA_DIR", "/nonexistent/digit-lab-data", TRUE);
  if (g_strcmp0 (g_getenv ("DISPLAY"), "") <= 0 && g_strcmp0 (g_getenv ("WAYLAND_DISPLAY"), "") <= 0)
    {
      if (g_getenv ("CI") != NULL)
        g_error ("no display: the GUI tests need one (run under xvfb-run)");
      g_print ("1..0 # SKIP no display\n");
      return 0;
    }
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/app-ui/shortcuts-window", test_shortcuts_window);
  g_test_add_func ("/app-ui/confusion-matrix/percent", test_confusion_matrix_percent);
  g_test_add_func ("/app-ui/confusion-matrix/layout", test_confusion_matrix_layout);
  g_test_add_func ("/app-ui/format/locale", test_format_locale);
  g_test_add_func ("/app-ui/evaluate-page/names-model", test_evaluate_names_model);
  g_test_add_func ("/app-ui/dataset-page/details-narrow", test_dataset_details_narrow);
  g_test_add_func ("/app-ui/explore-page/scroll-keeps-rotation", test_explore_scroll_keeps_rotation);
  g_test_add_func ("/app-ui/train-page/status", test_train_page_status);
  g_test_add_func ("/app-ui/draw-page/pen-and-source", test_draw_page_pen_and_source);
  g_test_add_func ("/app-ui/preferences/rows", test_preferences_rows);
  g_test_add_func ("/app-ui/pages/fit-narrow", test_pages_fit_narrow);
  return g_test_run ();
}
