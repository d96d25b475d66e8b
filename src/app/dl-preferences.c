/* dl-preferences.c: preferences stored in GSettings and applied at once */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "dl-preferences.h"

#include <glib/gi18n.h>

#include "nn-cpu.h"

static const char *const schemes[] = { "default", "light", "dark", NULL };

static gboolean
name_to_scheme (GValue   *value,
                GVariant *variant,
                gpointer  user_data)
{
  const char *name = g_variant_get_string (variant, NULL);

  g_value_set_enum (value, g_strcmp0 (name, "light") == 0 ? ADW_COLOR_SCHEME_FORCE_LIGHT
                           : g_strcmp0 (name, "dark") == 0 ? ADW_COLOR_SCHEME_FORCE_DARK
                           : ADW_COLOR_SCHEME_DEFAULT);
  return TRUE;
}

static gboolean
name_to_index (GValue   *value,
               GVariant *variant,
               gpointer  user_data)
{
  const char *name = g_variant_get_string (variant, NULL);

  for (guint i = 0; schemes[i] != NULL; i++)
    if (g_strcmp0 (schemes[i], name) == 0)
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  g_value_set_uint (value, 0);
  return TRUE;
}

static GVariant *
index_to_name (const GValue       *value,
               const GVariantType *type,
               gpointer            user_data)
{
  guint i = g_value_get_uint (value);

  return g_variant_new_string (schemes[MIN (i, G_N_ELEMENTS (schemes) - 2)]);
}

void
dl_preferences_bind_style (GSettings *settings)
{
  g_settings_bind_with_mapping (settings, "color-scheme", adw_style_manager_get_default (),
                                "color-scheme", G_SETTINGS_BIND_GET, name_to_scheme, NULL, NULL,
                                NULL);
}

/* The pen widths, as the Draw page offers them */
static const char *const pens[] = { "thin", "medium", "thick", NULL };

static gboolean
pen_to_index (GValue   *value,
              GVariant *variant,
              gpointer  user_data)
{
  const char *name = g_variant_get_string (variant, NULL);

  g_value_set_uint (value, 1);
  for (guint i = 0; pens[i] != NULL; i++)
    if (g_strcmp0 (pens[i], name) == 0)
      g_value_set_uint (value, i);
  return TRUE;
}

static GVariant *
index_to_pen (const GValue       *value,
              const GVariantType *type,
              gpointer            user_data)
{
  guint i = g_value_get_uint (value);

  return g_variant_new_string (pens[MIN (i, G_N_ELEMENTS (pens) - 2)]);
}

static GtkWidget *
combo_row (GSettings                *settings,
           const char               *key,
           const char               *title,
           const char *const        *labels,
           GSettingsBindGetMapping   get,
           GSettingsBindSetMapping   set)
{
  GtkWidget *row = adw_combo_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), TRUE);
  adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (gtk_string_list_new (labels)));
  g_settings_bind_with_mapping (settings, key, row, "selected", G_SETTINGS_BIND_DEFAULT, get, set,
                                NULL, NULL);
  return row;
}

static GtkWidget *
appearance_group (GSettings *settings)
{
  const char *labels[] = { _("Follow System"), _("Light"), _("Dark"), NULL };
  GtkWidget *group = adw_preferences_group_new ();

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Appearance"));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group),
                             combo_row (settings, "color-scheme", _("_Style"), labels,
                                        name_to_index, index_to_name));
  return group;
}

static GtkWidget *
drawing_group (GSettings *settings)
{
  /* Translators: pen widths, as on the Draw page */
  const char *labels[] = { _("Thin"), _("Medium"), _("Thick"), NULL };
  GtkWidget *group = adw_preferences_group_new ();

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Drawing"));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group),
                             combo_row (settings, "pen-width", _("_Pen width"), labels,
                                        pen_to_index, index_to_pen));
  return group;
}

/* 0 threads is the engine's "one per core", shown as a word */
static gboolean
on_threads_output (GtkSpinButton *spin)
{
  int n = gtk_spin_button_get_value_as_int (spin);
  g_autofree char *text = n == 0 ? g_strdup (_("Automatic")) : g_strdup_printf ("%d", n);

  gtk_editable_set_text (GTK_EDITABLE (spin), text);
  return TRUE;
}

static int
on_threads_input (GtkSpinButton *spin,
                  double        *value)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (spin));
  char *end = NULL;
  gint64 n;

  if (g_strcmp0 (text, _("Automatic")) == 0)
    {
      *value = 0;
      return TRUE;
    }
  n = g_ascii_strtoll (text, &end, 10);
  if (end == text || *end != '\0' || n < 0)
    return GTK_INPUT_ERROR;
  *value = (double) n;
  return TRUE;
}

static GtkWidget *
training_group (GSettings *settings)
{
  GtkWidget *group = adw_preferences_group_new ();
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *spin = gtk_spin_button_new_with_range (0, 256, 1);
  g_autofree char *cores = g_strdup_printf (ngettext ("Automatic uses all %u core; fewer keep "
                                                      "the computer responsive",
                                                      "Automatic uses all %u cores; fewer keep "
                                                      "the computer responsive",
                                                      nn_cpu_n_cores ()),
                                            nn_cpu_n_cores ());

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Training"));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("_Threads"));
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), TRUE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), cores);
  gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
  /* numeric mode would filter the word out */
  gtk_spin_button_set_numeric (GTK_SPIN_BUTTON (spin), FALSE);
  gtk_editable_set_width_chars (GTK_EDITABLE (spin), 9);
  gtk_editable_set_alignment (GTK_EDITABLE (spin), 1);
  g_signal_connect (spin, "output", G_CALLBACK (on_threads_output), NULL);
  g_signal_connect (spin, "input", G_CALLBACK (on_threads_input), NULL);
  g_settings_bind (settings, "training-threads", gtk_spin_button_get_adjustment (GTK_SPIN_BUTTON (spin)),
                   "value", G_SETTINGS_BIND_DEFAULT);
  on_threads_output (GTK_SPIN_BUTTON (spin));
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), spin);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), spin);
  gtk_accessible_update_property (GTK_ACCESSIBLE (spin), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Training threads"), -1);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
  return group;
}

/* The Train page's loss smoothing (its popover sets the same key) */
static GtkWidget *
charts_group (GSettings *settings)
{
  GtkWidget *group = adw_preferences_group_new ();
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *spin = gtk_spin_button_new_with_range (0, 0.99, 0.01);

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Charts"));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Smoothing of the loss"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                               _("0 follows every point; 0.99 smooths the most. The average is "
                                 "bias-corrected, so it starts at the first losses."));
  gtk_spin_button_set_digits (GTK_SPIN_BUTTON (spin), 2);
  gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
  g_settings_bind (settings, "loss-smoothing",
                   gtk_spin_button_get_adjustment (GTK_SPIN_BUTTON (spin)), "value",
                   G_SETTINGS_BIND_DEFAULT);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), spin);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), spin);
  gtk_accessible_update_property (GTK_ACCESSIBLE (spin), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Smoothing of the loss"), -1);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
  return group;
}

/* One page of groups, each built by its function: a new preference is a row in its group, a
 * new kind of preference (the charts, figures) a group function added to the list below. */
GtkWidget *
dl_preferences_new (GtkWindow *parent)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  GtkWidget *(*const groups[]) (GSettings *) = {
    appearance_group,
    drawing_group,
    training_group,
    charts_group,
  };
  GtkWidget *window = adw_preferences_window_new ();
  GtkWidget *page = adw_preferences_page_new ();

  gtk_window_set_transient_for (GTK_WINDOW (window), parent);
  gtk_window_set_modal (GTK_WINDOW (window), TRUE);
  adw_preferences_window_set_search_enabled (ADW_PREFERENCES_WINDOW (window), FALSE);
  for (size_t i = 0; i < G_N_ELEMENTS (groups); i++)
    adw_preferences_page_add (ADW_PREFERENCES_PAGE (page),
                              ADW_PREFERENCES_GROUP (groups[i] (settings)));
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (window), ADW_PREFERENCES_PAGE (page));
  return window;
}
