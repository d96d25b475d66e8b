/* dl-application.c: windows, app-wide actions, opening files from the file manager */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "dl-application.h"

#include <glib/gi18n.h>

#include "dl-preferences.h"
#include "dl-window.h"

struct _DlApplication
{
  AdwApplication  parent_instance;

  GSettings      *settings;
};

G_DEFINE_FINAL_TYPE (DlApplication, dl_application, ADW_TYPE_APPLICATION)

static DlWindow *
get_window (DlApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    window = GTK_WINDOW (dl_window_new (ADW_APPLICATION (self)));
  return DL_WINDOW (window);
}

static void
dl_application_activate (GApplication *app)
{
  gtk_window_present (GTK_WINDOW (get_window (DL_APPLICATION (app))));
}

/* From the file manager: safetensors weights (or a model folder) open their model, anything
 * else (PNG) is classified on the Draw page, in the order given; a file that cannot be opened
 * is a toast and changes nothing. */
static void
dl_application_open (GApplication  *app,
                     GFile        **files,
                     int            n_files,
                     const char    *hint)
{
  DlWindow *window = get_window (DL_APPLICATION (app));

  gtk_window_present (GTK_WINDOW (window));
  for (int i = 0; i < n_files; i++)
    dl_window_open_file (window, files[i]);
}

static void
about_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  GtkApplication *app = user_data;
  const char *developers[] = { "The Digit Lab developers", NULL };
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", gtk_application_get_active_window (app),
                        "application-name", _("Digit Lab"),
                        "application-icon", APP_ID,
                        "version", PACKAGE_VERSION,
                        "developer-name", _("The Digit Lab developers"),
                        "developers", developers,
                        "license-type", GTK_LICENSE_GPL_3_0,
                        /* the addresses of the metainfo's homepage and bugtracker */
                        "website", "https://github.com/digitlab/DigitLab",
                        "issue-url", "https://github.com/digitlab/DigitLab/issues",
                        "comments", _("Train, judge and use a handwritten-digit recogniser on "
                                      "your own computer."),
                        NULL);
  adw_about_window_add_legal_section (ADW_ABOUT_WINDOW (about), _("MNIST"),
                                      _("Yann LeCun and Corinna Cortes"),
                                      GTK_LICENSE_CUSTOM,
                                      _("Licensed under the Creative Commons Attribution-Share "
                                        "Alike 3.0 licence (CC BY-SA 3.0)."));
  adw_about_window_add_legal_section (ADW_ABOUT_WINDOW (about), _("Fashion-MNIST"),
                                      _("Zalando Research"), GTK_LICENSE_MIT_X11, NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
preferences_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (user_data));

  gtk_window_present (GTK_WINDOW (dl_preferences_new (parent)));
}

static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static const GActionEntry app_actions[] = {
  { "about", about_action },
  { "preferences", preferences_action },
  { "quit", quit_action },
};

static void
dl_application_startup (GApplication *app)
{
  const char *quit_accels[] = { "<Control>q", NULL };
  const char *preferences_accels[] = { "<Control>comma", NULL };
  DlApplication *self = DL_APPLICATION (app);
  g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();

  G_APPLICATION_CLASS (dl_application_parent_class)->startup (app);
  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions),
                                   app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.preferences",
                                         preferences_accels);
  dl_window_set_accels (GTK_APPLICATION (app));
  self->settings = g_settings_new (APP_ID);
  dl_preferences_bind_style (self->settings);
  gtk_css_provider_load_from_resource (css, "/io/github/digitlab/DigitLab/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

static void
dl_application_finalize (GObject *object)
{
  g_clear_object (&DL_APPLICATION (object)->settings);
  G_OBJECT_CLASS (dl_application_parent_class)->finalize (object);
}

static void
dl_application_class_init (DlApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = dl_application_finalize;
  app_class->activate = dl_application_activate;
  app_class->open = dl_application_open;
  app_class->startup = dl_application_startup;
}

static void
dl_application_init (DlApplication *self)
{
}

DlApplication *
dl_application_new (void)
{
  return g_object_new (DL_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/io/github/digitlab/DigitLab",
                       NULL);
}
