/* dl-preferences.c: preferences stored in GSettings and applied at once */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "dl-preferences.h"

#include <glib/gi18n.h>

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

GtkWidget *
dl_preferences_new (GtkWindow *parent)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  const char *labels[] = { _("Follow System"), _("Light"), _("Dark"), NULL };
  GtkWidget *window = adw_preferences_window_new ();
  GtkWidget *page = adw_preferences_page_new ();
  GtkWidget *group = adw_preferences_group_new ();
  GtkWidget *row = adw_combo_row_new ();

  gtk_window_set_transient_for (GTK_WINDOW (window), parent);
  gtk_window_set_modal (GTK_WINDOW (window), TRUE);
  adw_preferences_window_set_search_enabled (ADW_PREFERENCES_WINDOW (window), FALSE);
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Appearance"));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Style"));
  adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (gtk_string_list_new (labels)));
  g_settings_bind_with_mapping (settings, "color-scheme", row, "selected",
                                G_SETTINGS_BIND_DEFAULT, name_to_index, index_to_name, NULL,
                                NULL);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (group));
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (window), ADW_PREFERENCES_PAGE (page));
  return window;
}
