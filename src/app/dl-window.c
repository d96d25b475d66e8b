/* dl-window.c: pages, the bundled model, window state in GSettings */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "dl-window.h"

#include <glib/gi18n.h>

#include "dl-resources.h"
#include "nn-model.h"

#define RESOURCE_PATH "/io/github/digitlab/DigitLab/"

struct _DlWindow
{
  AdwApplicationWindow  parent_instance;

  AdwToastOverlay      *toast_overlay;
  AdwViewStack         *stack;
  DlDrawPage           *draw_page;

  GSettings            *settings;
  NnModel              *model;          /* the bundled model until the user opens another */
  GtkFileChooserNative *chooser;
};

G_DEFINE_FINAL_TYPE (DlWindow, dl_window, ADW_TYPE_APPLICATION_WINDOW)

void
dl_window_show_toast (DlWindow   *self,
                      const char *message)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
}

static NnModel *
load_bundled_model (GError **error)
{
  g_autoptr(GBytes) config = g_resources_lookup_data (RESOURCE_PATH "model/config.json", 0, error);
  g_autoptr(GBytes) weights = NULL;
  gsize config_len, weights_len;
  const char *config_data;
  const guint8 *weights_data;

  if (config == NULL)
    return NULL;
  weights = g_resources_lookup_data (RESOURCE_PATH "model/model.safetensors", 0, error);
  if (weights == NULL)
    return NULL;
  config_data = g_bytes_get_data (config, &config_len);
  weights_data = g_bytes_get_data (weights, &weights_len);
  return nn_model_load_from_data (config_data, config_len, weights_data, weights_len, 1, error);
}

void
dl_window_open_image (DlWindow *self,
                      GFile    *file)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_file_get_path (file);

  adw_view_stack_set_visible_child_name (self->stack, "draw");
  if (path == NULL)
    {
      dl_window_show_toast (self, _("Only local files can be opened"));
      return;
    }
  if (!dl_draw_page_classify_file (self->draw_page, path, &error))
    {
      g_autofree char *message = g_strdup_printf (_("Could not classify the image: %s"),
                                                  error->message);

      dl_window_show_toast (self, message);
    }
}

static void
on_chooser_response (GtkNativeDialog *dialog,
                     int              response,
                     DlWindow        *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      dl_window_open_image (self, file);
    }
  g_clear_object (&self->chooser);
}

static void
open_image_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  DlWindow *self = DL_WINDOW (widget);
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("PNG images"));
  gtk_file_filter_add_mime_type (filter, "image/png");
  self->chooser = gtk_file_chooser_native_new (_("Open Image"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"),
                                               _("_Cancel"));
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

DlDrawPage *
dl_window_get_draw_page (DlWindow *self)
{
  g_return_val_if_fail (DL_IS_WINDOW (self), NULL);
  return self->draw_page;
}

static void
dl_window_dispose (GObject *object)
{
  DlWindow *self = DL_WINDOW (object);

  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  g_clear_object (&self->settings);
  gtk_widget_dispose_template (GTK_WIDGET (self), DL_TYPE_WINDOW);
  G_OBJECT_CLASS (dl_window_parent_class)->dispose (object);
}

static void
dl_window_finalize (GObject *object)
{
  DlWindow *self = DL_WINDOW (object);

  g_clear_pointer (&self->model, nn_model_free);
  G_OBJECT_CLASS (dl_window_parent_class)->finalize (object);
}

static void
dl_window_class_init (DlWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dl_window_dispose;
  object_class->finalize = dl_window_finalize;

  /* keeps the resources linked in from the static library */
  g_resources_register (dl_get_resource ());
  g_type_ensure (DL_TYPE_DRAW_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH "dl-window.ui");
  gtk_widget_class_bind_template_child (widget_class, DlWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, DlWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, DlWindow, draw_page);

  gtk_widget_class_install_action (widget_class, "win.open-image", NULL, open_image_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK,
                                       "win.open-image", NULL);
}

static void
dl_window_init (DlWindow *self)
{
  g_autoptr(GError) error = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (APP_ID);
  g_settings_bind (self->settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-height", self, "default-height",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);

  self->model = load_bundled_model (&error);
  if (self->model == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("The built-in model could not be loaded: %s"),
                                                  error->message);

      dl_window_show_toast (self, message);
    }
  dl_draw_page_set_model (self->draw_page, self->model);
}

DlWindow *
dl_window_new (AdwApplication *app)
{
  return g_object_new (DL_TYPE_WINDOW, "application", app, NULL);
}
