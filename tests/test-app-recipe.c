/* test-app-recipe.c: the Train page's recipe — settings into the trainer's config, the
 * architecture editor's checks against the engine's, and how it looks */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <string.h>

#include "app-helpers.h"
#include "dl-explore-page.h"
#include "dl-recipe.h"
#include "dl-spec-editor.h"
#include "dl-train-page.h"
#include "dl-training.h"
#include "nn-network.h"
#include "nn-preset.h"
#include "nn-rng.h"

#define APP_SCHEMA "io.github.digitlab.DigitLab"

static void
reset_recipe (GSettings *settings)
{
  const char *keys[] = {
    "architecture", "epochs", "batch-size", "learning-rate", "optimizer", "weight-decay",
    "lr-schedule", "lr-step-epochs", "lr-gamma", "lr-min", "lr-warmup-fraction",
    "lr-div-factor", "lr-final-div-factor", "label-smoothing", "train-on-all",
    "rotation-degrees", "translate", "scale", "shear-degrees", "elastic-alpha", "elastic-sigma",
    "validation-size", "seed",
  };

  for (size_t i = 0; i < G_N_ELEMENTS (keys); i++)
    g_settings_reset (settings, keys[i]);
}

/* The defaults are the reference recipe exactly; every key reaches its field. */
static void
test_settings_round_trip (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_SCHEMA);
  NnTrainConfig reference, c;

  reset_recipe (settings);
  nn_train_config_init (&reference);
  nn_train_config_init (&c);
  dl_recipe_from_settings (settings, &c);
  g_assert_cmpstr (c.spec, ==, reference.spec);
  g_assert_cmpuint (c.epochs, ==, reference.epochs);
  g_assert_cmpuint (c.batch_size, ==, reference.batch_size);
  g_assert_cmpint (c.optimizer.kind, ==, reference.optimizer.kind);
  g_assert_true (c.optimizer.learning_rate == reference.optimizer.learning_rate);
  g_assert_true (c.optimizer.weight_decay == reference.optimizer.weight_decay);
  g_assert_true (c.rotation_degrees == reference.rotation_degrees);
  g_assert_cmpuint (c.validation_size, ==, reference.validation_size);
  g_assert_cmpuint (c.seed, ==, reference.seed);
  g_assert_cmpmem (&c.extras, sizeof c.extras, &reference.extras, sizeof reference.extras);
  nn_train_config_clear (&c);

  g_settings_set_string (settings, "architecture", "flatten dense(32) relu dense(10)");
  g_settings_set_string (settings, "optimizer", "adamw");
  g_settings_set_double (settings, "learning-rate", 0.004);
  g_settings_set_double (settings, "weight-decay", 0.05);
  g_settings_set_string (settings, "lr-schedule", "one-cycle");
  g_settings_set_double (settings, "lr-warmup-fraction", 0.2);
  g_settings_set_double (settings, "lr-div-factor", 10);
  g_settings_set_double (settings, "lr-final-div-factor", 100);
  g_settings_set_uint (settings, "lr-step-epochs", 3);
  g_settings_set_double (settings, "lr-gamma", 0.5);
  g_settings_set_double (settings, "lr-min", 0.0001);
  g_settings_set_double (settings, "label-smoothing", 0.1);
  g_settings_set_boolean (settings, "train-on-all", TRUE);
  g_settings_set_double (settings, "rotation-degrees", 12);
  g_settings_set_double (settings, "translate", 0.1);
  g_settings_set_double (settings, "scale", 0.15);
  g_settings_set_double (settings, "shear-degrees", 8);
  g_settings_set_double (settings, "elastic-alpha", 34);
  g_settings_set_double (settings, "elastic-sigma", 4.5);
  g_settings_set_uint (settings, "epochs", 7);
  g_settings_set_uint (settings, "batch-size", 128);
  g_settings_set_uint (settings, "validation-size", 1000);
  g_settings_set_uint (settings, "seed", 9);

  nn_train_config_init (&c);
  dl_recipe_from_settings (settings, &c);
  g_assert_cmpstr (c.spec, ==, "flatten dense(32) relu dense(10)");
  g_assert_cmpint (c.optimizer.kind, ==, NN_OPTIMIZER_ADAMW);
  g_assert_cmpfloat (c.optimizer.learning_rate, ==, 0.004);
  g_assert_cmpfloat (c.optimizer.weight_decay, ==, 0.05);
  g_assert_cmpint (c.extras.lr_schedule.kind, ==, NN_LR_SCHEDULE_ONE_CYCLE);
  g_assert_cmpfloat (c.extras.lr_schedule.pct_start, ==, 0.2);
  g_assert_cmpfloat (c.extras.lr_schedule.div_factor, ==, 10);
  g_assert_cmpfloat (c.extras.lr_schedule.final_div_factor, ==, 100);
  g_assert_cmpuint (c.extras.lr_schedule.step_epochs, ==, 3);
  g_assert_cmpfloat (c.extras.lr_schedule.gamma, ==, 0.5);
  g_assert_cmpfloat (c.extras.lr_schedule.min_lr, ==, 0.0001);
  g_assert_cmpfloat (c.extras.label_smoothing, ==, 0.1f);
  g_assert_true (c.extras.train_on_all);
  g_assert_cmpfloat (c.rotation_degrees, ==, 12);
  g_assert_cmpfloat (c.extras.translate, ==, 0.1f);
  g_assert_cmpfloat (c.extras.scale, ==, 0.15f);
  g_assert_cmpfloat (c.extras.shear_degrees, ==, 8);
  g_assert_cmpfloat (c.extras.elastic_alpha, ==, 34);
  g_assert_cmpfloat (c.extras.elastic_sigma, ==, 4.5f);
  g_assert_cmpuint (c.epochs, ==, 7);
  g_assert_cmpuint (c.batch_size, ==, 128);
  g_assert_cmpuint (c.validation_size, ==, 1000);
  g_assert_cmpuint (c.seed, ==, 9);
  /* a recipe the trainer takes */
  g_assert_true (nn_train_config_check (&c, 60000, NULL));
  nn_train_config_clear (&c);

  /* a preset's name is its spec */
  g_settings_set_string (settings, "architecture", "mlp");
  nn_train_config_init (&c);
  dl_recipe_from_settings (settings, &c);
  g_assert_cmpstr (c.spec, ==, nn_spec_preset_lookup ("mlp"));
  nn_train_config_clear (&c);

  /* a recipe beyond the settings' ranges is held within them, doubles and counts alike */
  nn_train_config_init (&c);
  c.epochs = 5000;
  c.batch_size = 0;
  c.optimizer.learning_rate = 5;
  c.rotation_degrees = 10;
  dl_recipe_to_settings (settings, &c);
  g_assert_cmpuint (g_settings_get_uint (settings, "epochs"), ==, 1000);
  g_assert_cmpuint (g_settings_get_uint (settings, "batch-size"), ==, 1);
  g_assert_cmpfloat (g_settings_get_double (settings, "learning-rate"), ==, 1.0);
  g_assert_cmpfloat (g_settings_get_double (settings, "rotation-degrees"), ==, 10);
  nn_train_config_clear (&c);
  nn_train_config_clear (&reference);
  reset_recipe (settings);
}

static char *
pointed_text (DlSpecEditor *editor)
{
  g_autofree char *text = dl_spec_editor_dup_text (editor);
  int start = -1, end = -1;

  g_assert_nonnull (dl_spec_editor_get_error (editor, &start, &end));
  g_assert_cmpint (start, >=, 0);
  g_assert_cmpint (start, <=, end);
  return g_utf8_substring (text, start, end);
}

/* The first widget of that type under widget, depth first. */
static GtkWidget *
find_widget_of_type (GtkWidget *widget,
                     GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget_of_type (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The button that runs the action, anywhere under widget. */
static GtkWidget *
find_action_button (GtkWidget  *widget,
                    const char *action)
{
  if (GTK_IS_ACTIONABLE (widget) &&
      g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), action) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_action_button (child, action);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Every spin button under widget leaves the wheel to the page until it is focused. */
static guint
count_unguarded_spins (GtkWidget *widget,
                       guint     *n_spins)
{
  guint unguarded = 0;

  if (GTK_IS_SPIN_BUTTON (widget))
    {
      GListModel *controllers = gtk_widget_observe_controllers (widget);
      gboolean guarded = FALSE;

      for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
        {
          g_autoptr(GtkEventController) c = g_list_model_get_item (controllers, i);

          guarded |= g_strcmp0 (gtk_event_controller_get_name (c), "dl-scroll-guard") == 0;
        }
      g_object_unref (controllers);
      (*n_spins)++;
      unguarded += !guarded;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    unguarded += count_unguarded_spins (child, n_spins);
  return unguarded;
}

static void
test_editor (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_SCHEMA);
  DlWindow *window;
  DlTrainPage *page;
  DlSpecEditor *editor;
  g_autofree char *pointed = NULL;
  GtkWidget *start;
  gint64 end;

  reset_recipe (settings);
  window = make_window ();
  page = dl_window_get_train_page (window);
  editor = dl_train_page_get_spec_editor (page);
  dl_window_set_dataset (window, bars_dataset (1200, 100));
  spin ();
  {
    guint n_spins = 0;

    g_assert_cmpuint (count_unguarded_spins (GTK_WIDGET (page), &n_spins), ==, 0);
    g_assert_cmpuint (n_spins, >=, 19);
  }
  start = find_action_button (GTK_WIDGET (page), "train.start");
  g_assert_nonnull (start);
  g_assert_true (gtk_widget_get_sensitive (start));

  /* the reference, from the setting */
  {
    g_autofree char *text = dl_spec_editor_dup_text (editor);

    g_assert_cmpstr (text, ==, NN_SPEC_REFERENCE);
  }
  g_assert_true (dl_spec_editor_get_valid (editor));
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (page)));

  /* a misspelt layer: marked, Start off */
  dl_spec_editor_set_text (editor, "conv(8,3,pad=1) relu mxpool(2) flatten dense(10)");
  spin ();
  g_assert_false (dl_spec_editor_get_valid (editor));
  pointed = pointed_text (editor);
  g_assert_cmpstr (pointed, ==, "mxpool(2)");
  g_clear_pointer (&pointed, g_free);
  g_assert_false (gtk_widget_get_sensitive (start));
  gtk_widget_activate_action (GTK_WIDGET (page), "train.start", NULL);
  spin ();
  g_assert_false (dl_training_get_running (dl_train_page_get_training (page)));
  /* the text is kept as the setting */
  {
    g_autofree char *value = g_settings_get_string (settings, "architecture");

    g_assert_cmpstr (value, ==, "conv(8,3,pad=1) relu mxpool(2) flatten dense(10)");
  }

  /* a bad argument, a shape the data cannot take, a wrong number of classes */
  dl_spec_editor_set_text (editor, "conv(8,3) relu maxpool(2) flatten dense(x)");
  pointed = pointed_text (editor);
  g_assert_cmpstr (pointed, ==, "dense(x)");
  g_clear_pointer (&pointed, g_free);
  dl_spec_editor_set_text (editor, "conv(8,3) maxpool(2) conv(8,30) flatten dense(10)");
  pointed = pointed_text (editor);
  g_assert_cmpstr (pointed, ==, "conv(8,30)");
  g_clear_pointer (&pointed, g_free);
  dl_spec_editor_set_text (editor, "flatten dense(32) relu dense(7)");
  pointed = pointed_text (editor);
  g_assert_cmpstr (pointed, ==, "dense(7)");
  g_clear_pointer (&pointed, g_free);
  dl_spec_editor_set_text (editor, "conv(8,3) relu");
  pointed = pointed_text (editor);
  g_assert_cmpstr (pointed, ==, "relu");
  g_clear_pointer (&pointed, g_free);

  /* valid: the counts are the engine's */
  {
    const char *text = "conv(16,3,pad=1) relu maxpool(2) flatten dense(64) relu dense(10)";
    g_autoptr(NnSpec) spec = nn_spec_parse (text, NULL);
    NnNetwork *net = nn_network_new (spec, 1, 28, 28, 1, NULL);

    dl_spec_editor_set_text (editor, text);
    spin ();
    g_assert_true (dl_spec_editor_get_valid (editor));
    g_assert_null (dl_spec_editor_get_error (editor, NULL, NULL));
    g_assert_cmpuint (dl_spec_editor_get_n_params (editor), ==, nn_network_get_n_params (net));
    g_assert_cmpfloat (dl_spec_editor_get_flops (editor), ==,
                       nn_network_get_flops_per_sample (net));
    nn_network_free (net);
    g_assert_true (gtk_widget_get_sensitive (start));
  }

  /* the epoch time is measured once the typing pauses */
  end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (!isfinite (dl_spec_editor_get_epoch_seconds (editor)) &&
         g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (isfinite (dl_spec_editor_get_epoch_seconds (editor)));
  g_assert_cmpfloat (dl_spec_editor_get_epoch_seconds (editor), >, 0);
  g_test_message ("estimated epoch: %.2f s", dl_spec_editor_get_epoch_seconds (editor));

  /* a preset chosen puts its spec in; the setting keeps its name */
  g_settings_set_string (settings, "architecture", "small");
  spin ();
  {
    g_autofree char *text = dl_spec_editor_dup_text (editor);

    g_assert_cmpstr (text, ==, nn_spec_preset_lookup ("small"));
  }
  g_assert_true (dl_spec_editor_get_valid (editor));

  /* a preset chosen in the list is a recipe: its training settings come with it, the seed and
   * the validation split stay */
  {
    AdwComboRow *row = ADW_COMBO_ROW (find_widget_of_type (GTK_WIDGET (page),
                                                           ADW_TYPE_COMBO_ROW));
    GListModel *model = adw_combo_row_get_model (row);
    NnTrainConfig expected, got;
    guint quick = G_MAXUINT, reference = G_MAXUINT;

    for (guint i = 0; i < g_list_model_get_n_items (model); i++)
      {
        g_autoptr(GtkStringObject) item = g_list_model_get_item (model, i);

        if (g_str_equal (gtk_string_object_get_string (item), "quick"))
          quick = i;
        if (g_str_equal (gtk_string_object_get_string (item), "reference"))
          reference = i;
      }
    g_assert_cmpuint (quick, !=, G_MAXUINT);
    g_settings_set_uint (settings, "seed", 77);
    g_settings_set_uint (settings, "validation-size", 300);
    adw_combo_row_set_selected (row, quick);
    spin ();
    nn_train_config_init (&expected);
    expected.seed = 77;
    expected.validation_size = 300;
    g_assert_true (nn_preset_apply ("quick", &expected, NULL));
    nn_train_config_init (&got);
    dl_recipe_from_settings (settings, &got);
    g_assert_cmpstr (got.spec, ==, expected.spec);
    g_assert_cmpuint (got.epochs, ==, expected.epochs);
    g_assert_cmpuint (got.batch_size, ==, expected.batch_size);
    g_assert_cmpint (got.optimizer.kind, ==, expected.optimizer.kind);
    g_assert_cmpfloat (got.optimizer.learning_rate, ==, expected.optimizer.learning_rate);
    g_assert_cmpfloat (got.rotation_degrees, ==, expected.rotation_degrees);
    g_assert_cmpmem (&got.extras, sizeof got.extras, &expected.extras, sizeof expected.extras);
    g_assert_cmpuint (got.seed, ==, 77);
    g_assert_cmpuint (got.validation_size, ==, 300);
    {
      g_autofree char *text = dl_spec_editor_dup_text (editor);

      g_assert_cmpstr (text, ==, nn_spec_preset_lookup ("quick"));
    }
    nn_train_config_clear (&got);
    nn_train_config_clear (&expected);
    /* back to the reference: its settings are the defaults again */
    adw_combo_row_set_selected (row, reference);
    spin ();
    g_assert_cmpuint (g_settings_get_uint (settings, "epochs"), ==, 10);
    g_assert_cmpfloat (g_settings_get_double (settings, "rotation-degrees"), ==, 10);
    {
      g_autofree char *schedule = g_settings_get_string (settings, "lr-schedule");

      g_assert_cmpstr (schedule, ==, "constant");
    }
  }

  /* a change while a measurement runs cancels it without harm */
  dl_spec_editor_set_text (editor, "flatten dense(10)");
  dl_spec_editor_set_text (editor, "flatten dense(20) relu dense(10)");
  for (int i = 0; i < 20; i++)
    {
      spin ();
      g_usleep (50000);
    }
  close_window (window);
  reset_recipe (settings);
}

static void
on_finished (DlTraining *training,
             gboolean    stopped,
             gboolean   *done)
{
  *done = TRUE;
}

/* Start on the page trains the recipe the settings hold, the later fields included: the model
 * it makes records them. */
static void
test_start_trains_settings (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_SCHEMA);
  g_autoptr(NnModel) model = NULL;
  g_autoptr(GError) error = NULL;
  DlWindow *window;
  DlTrainPage *page;
  DlTraining *training;
  gboolean done = FALSE;
  gint64 end;

  reset_recipe (settings);
  g_settings_set_string (settings, "architecture", "flatten dense(16) relu dense(10)");
  g_settings_set_uint (settings, "epochs", 1);
  g_settings_set_uint (settings, "validation-size", 100);
  g_settings_set_string (settings, "optimizer", "adamw");
  g_settings_set_double (settings, "weight-decay", 0.02);
  g_settings_set_string (settings, "lr-schedule", "cosine");
  g_settings_set_double (settings, "lr-min", 0.0001);
  g_settings_set_double (settings, "label-smoothing", 0.05);
  g_settings_set_double (settings, "translate", 0.05);
  g_settings_set_double (settings, "elastic-alpha", 10);
  window = make_window ();
  page = dl_window_get_train_page (window);
  training = dl_train_page_get_training (page);
  dl_window_set_dataset (window, bars_dataset (600, 100));
  spin ();
  g_signal_connect (training, "finished", G_CALLBACK (on_finished), &done);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "train.start", NULL));
  g_assert_true (dl_training_get_running (training));
  end = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;
  while (!done && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (done);
  model = dl_training_dup_model (training, &error);
  g_assert_no_error (error);
  g_assert_true (model->training.known);
  g_assert_cmpstr (model->training.optimizer, ==, "adamw");
  g_assert_cmpfloat (model->training.weight_decay, ==, 0.02);
  g_assert_cmpint (model->training.extras.lr_schedule.kind, ==, NN_LR_SCHEDULE_COSINE);
  g_assert_cmpfloat (model->training.extras.lr_schedule.min_lr, ==, 0.0001);
  g_assert_cmpfloat (model->training.extras.label_smoothing, ==, 0.05f);
  g_assert_cmpfloat (model->training.extras.translate, ==, 0.05f);
  g_assert_cmpfloat (model->training.extras.elastic_alpha, ==, 10);
  for (int i = 0; i < 20; i++)
    {
      spin ();
      g_usleep (10000);
    }
  close_window (window);
  reset_recipe (settings);
}

static void
shoot (DlWindow   *window,
       const char *page,
       const char *name,
       int         width,
       gboolean    dark,
       double      scroll)
{
  g_autofree char *file = g_strdup_printf ("%s-%d-%s.png", name, width, dark ? "dark" : "light");

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      dark ? ADW_COLOR_SCHEME_FORCE_DARK
                                           : ADW_COLOR_SCHEME_FORCE_LIGHT);
  gtk_window_set_default_size (GTK_WINDOW (window), width, 900);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-page", "s", page));
  for (int i = 0; i < 50; i++)
    {
      spin ();
      g_usleep (2000);
    }
  if (scroll > 0)
    {
      GtkWidget *scrolled = NULL;

      if (g_str_equal (page, "train"))
        scrolled = gtk_widget_get_ancestor (GTK_WIDGET (dl_train_page_get_spec_editor (
                                              dl_window_get_train_page (window))),
                                            GTK_TYPE_SCROLLED_WINDOW);
      else
        scrolled = gtk_widget_get_ancestor (dl_explore_page_get_figure (
                                              dl_window_get_explore_page (window)),
                                            GTK_TYPE_SCROLLED_WINDOW);
      if (scrolled != NULL)
        {
          GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));

          gtk_adjustment_set_value (adj, scroll * gtk_adjustment_get_upper (adj));
          for (int i = 0; i < 20; i++)
            {
              spin ();
              g_usleep (2000);
            }
        }
    }
  save_png (GTK_WIDGET (window), file);
}

/* Screenshots for looking at: the recipe with its folded groups open, light and dark, wide and
 * narrow; the Explore page's augmentation preview. */
static void
test_screenshots (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_SCHEMA);
  DlWindow *window;
  DlSpecEditor *editor;

  reset_recipe (settings);
  g_settings_set_string (settings, "lr-schedule", "one-cycle");
  g_settings_set_double (settings, "translate", 0.1);
  g_settings_set_double (settings, "scale", 0.1);
  g_settings_set_double (settings, "shear-degrees", 10);
  g_settings_set_double (settings, "elastic-alpha", 34);
  window = make_window ();
  dl_window_set_dataset (window, bars_dataset (1200, 100));
  spin ();
  editor = dl_train_page_get_spec_editor (dl_window_get_train_page (window));
  for (int d = 0; d < 2; d++)
    {
      shoot (window, "train", "recipe", 1200, d == 1, 0);
      shoot (window, "train", "recipe", 360, d == 1, 0);
      shoot (window, "explore", "augment", 1200, d == 1, 1);
      shoot (window, "explore", "augment", 360, d == 1, 1);
    }
  /* the folded groups open */
  {
    GtkWidget *expanders[2];
    size_t n = 0;
    GtkWidget *w = GTK_WIDGET (dl_window_get_train_page (window));
    GPtrArray *pending = g_ptr_array_new ();

    g_ptr_array_add (pending, w);
    while (pending->len > 0)
      {
        GtkWidget *x = g_ptr_array_steal_index (pending, pending->len - 1);

        if (ADW_IS_EXPANDER_ROW (x) && n < 2)
          expanders[n++] = x;
        for (GtkWidget *c = gtk_widget_get_first_child (x); c != NULL;
             c = gtk_widget_get_next_sibling (c))
          g_ptr_array_add (pending, c);
      }
    g_ptr_array_unref (pending);
    g_assert_cmpuint (n, ==, 2);
    for (size_t i = 0; i < n; i++)
      adw_expander_row_set_expanded (ADW_EXPANDER_ROW (expanders[i]), TRUE);
  }
  for (int d = 0; d < 2; d++)
    {
      shoot (window, "train", "recipe-open", 1200, d == 1, 0.25);
      shoot (window, "train", "recipe-open", 360, d == 1, 0.3);
      shoot (window, "train", "recipe-open-lower", 360, d == 1, 0.55);
    }
  dl_spec_editor_set_text (editor, "conv(8,3,pad=1) relu mxpool(2) flatten dense(10)");
  shoot (window, "train", "editor-error", 360, FALSE, 0);

  /* the lists of presets and optimisers, each choice with its line of description */
  shoot (window, "train", "recipe", 1200, FALSE, 0);
  for (int d = 0; d < 2; d++)
    {
      GtkWidget *rows[2];
      size_t n = 0;
      GPtrArray *pending = g_ptr_array_new ();

      adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                          d == 1 ? ADW_COLOR_SCHEME_FORCE_DARK
                                                 : ADW_COLOR_SCHEME_FORCE_LIGHT);
      g_ptr_array_add (pending, dl_window_get_train_page (window));
      while (pending->len > 0)
        {
          GtkWidget *x = g_ptr_array_steal_index (pending, 0);

          if (ADW_IS_COMBO_ROW (x) && n < 2)
            rows[n++] = x;
          for (GtkWidget *c = gtk_widget_get_first_child (x); c != NULL;
               c = gtk_widget_get_next_sibling (c))
            g_ptr_array_add (pending, c);
        }
      g_ptr_array_unref (pending);
      g_assert_cmpuint (n, ==, 2);
      /* the drop-down's list, as its popover shows it (a popover cannot be drawn offscreen) */
      for (size_t i = 0; i < n; i++)
        {
          AdwComboRow *row = ADW_COMBO_ROW (rows[i]);
          GtkSelectionModel *selection =
            GTK_SELECTION_MODEL (gtk_no_selection_new (g_object_ref (adw_combo_row_get_model (row))));
          GtkWidget *list = gtk_list_view_new (selection,
                                               g_object_ref (adw_combo_row_get_list_factory (row)));
          GtkWidget *popup = gtk_window_new ();
          g_autofree char *file = g_strdup_printf ("choices-%zu-%s.png", i,
                                                   d == 1 ? "dark" : "light");

          gtk_widget_add_css_class (list, "background");
          gtk_window_set_child (GTK_WINDOW (popup), list);
          gtk_window_set_default_size (GTK_WINDOW (popup), 340, -1);
          gtk_window_present (GTK_WINDOW (popup));
          for (int k = 0; k < 50; k++)
            {
              spin ();
              g_usleep (2000);
            }
          save_png (list, file);
          gtk_window_destroy (GTK_WINDOW (popup));
          spin ();
        }
    }
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
  close_window (window);
  reset_recipe (settings);
}

int
main (int   argc,
      char *argv[])
{
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
  g_test_add_func ("/app/recipe/settings-round-trip", test_settings_round_trip);
  g_test_add_func ("/app/recipe/editor", test_editor);
  g_test_add_func ("/app/recipe/start-trains-settings", test_start_trains_settings);
  g_test_add_func ("/app/recipe/screenshots", test_screenshots);
  return g_test_run ();
}
