/* dl-window-actions.c: the win.* actions — menus, buttons, shortcuts and tests reach the same code */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "dl-window-private.h"

#include <glib/gi18n.h>

static void
on_mnist_fetched (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(DlWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = dl_session_fetch_mnist_finish (DL_SESSION (source), result, &error);
  g_autofree char *message = NULL;

  /* the window is closing: nothing to show */
  if (self->cancellable == NULL || g_cancellable_is_cancelled (self->cancellable))
    return;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel-download", FALSE);
  if (dir != NULL)
    {
      /* Get MNIST stays off until the files are read: they are not a dataset yet */
      dl_session_set_download_state (self->session, 1, _("Opening the images…"), NULL, NULL);
      _dl_window_load_dataset (self, dir, DL_LOAD_AFTER_DOWNLOAD);
      return;
    }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.get-mnist", TRUE);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      dl_session_set_download_state (self->session, -1, NULL, NULL, NULL);
      dl_window_show_toast (self, _("Download cancelled"));
      return;
    }
  /* a sentence for people; which sources failed and how goes into the tooltip */
  if (g_error_matches (error, DL_FETCH_ERROR, DL_FETCH_ERROR_CHECKSUM))
    message = g_strdup (_("Could not get MNIST: a downloaded file was damaged and was thrown "
                          "away. Try again later."));
  else if (error->domain == DL_FETCH_ERROR)
    message = g_strdup (_("Could not get MNIST: no download source could be reached. Check the "
                          "internet connection, then try again."));
  else
    message = g_strdup_printf (_("Could not get MNIST: %s"), error->message);
  dl_session_set_download_state (self->session, -1, NULL, message, error->message);
  dl_window_show_toast (self, message);
}

static void
get_mnist_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  DlWindow *self = DL_WINDOW (widget);

  gtk_widget_action_set_enabled (widget, "win.get-mnist", FALSE);
  gtk_widget_action_set_enabled (widget, "win.cancel-download", TRUE);
  dl_session_fetch_mnist_async (self->session, self->cancellable, on_mnist_fetched,
                                g_object_ref (self));
}

void
dl_window_set_fetch_source (DlWindow              *self,
                            const char *const     *mirrors,
                            const DlFetchChecksum *table)
{
  g_return_if_fail (DL_IS_WINDOW (self));
  dl_session_set_fetch_source (self->session, mirrors, table);
}

static void
cancel_download_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  dl_session_cancel_download (DL_WINDOW (widget)->session);
}

static void
start_training_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  GtkWidget *page = _dl_window_find_page (DL_WINDOW (widget), DL_TYPE_TRAIN_PAGE);

  dl_page_present (DL_PAGE (page));
  gtk_widget_activate_action (page, "train.start", NULL);
}

static void
stop_training_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  dl_training_stop (dl_session_get_training (DL_WINDOW (widget)->session));
}

static void
open_image_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("PNG images"));
  gtk_file_filter_add_mime_type (filter, "image/png");
  _dl_window_choose (DL_WINDOW (widget), GTK_FILE_CHOOSER_ACTION_OPEN, _("Open Image"), _("_Open"),
                     filter, dl_window_open_image);
}

/* model.safetensors carries its configuration, so the weights file alone is a model; inside a
 * model folder, config.json opens the folder. */
static void
open_model_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Digit Lab models"));
  gtk_file_filter_add_mime_type (filter, "application/x-safetensors");
  gtk_file_filter_add_pattern (filter, "*.safetensors");
  gtk_file_filter_add_pattern (filter, "config.json");
  _dl_window_choose (DL_WINDOW (widget), GTK_FILE_CHOOSER_ACTION_OPEN, _("Open Model"), _("_Open"),
                     filter, dl_window_open_model_file);
}

static void
on_save_folder_chosen (DlWindow *self,
                       GFile    *file)
{
  g_autofree char *path = g_file_get_path (file);
  g_autoptr(GError) error = NULL;
  NnModel *model = dl_session_get_model (self->session);

  if (model == NULL || path == NULL || !nn_model_save (model, path, &error))
    {
      g_autofree char *message = g_strdup_printf (_("Could not save the model: %s"),
                                                  error != NULL ? error->message
                                                                : _("no model or not a local folder"));

      dl_window_show_toast (self, message);
      return;
    }
  dl_window_show_toast (self, _("Model saved"));
}

static void
save_model_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  _dl_window_choose (DL_WINDOW (widget), GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                     _("Save Model Into Folder"), _("_Save"), NULL, on_save_folder_chosen);
}

static void
on_export_folder_chosen (DlWindow *self,
                         GFile    *file)
{
  g_autofree char *path = g_file_get_path (file);
  g_autoptr(GError) error = NULL;

  if (path == NULL || !dl_window_export (self, path, &error))
    _dl_window_show_error (self, _("Could Not Export"),
                           error != NULL ? error->message : _("Only local folders can be chosen"));
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  _dl_window_choose (DL_WINDOW (widget), GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                     _("Export for Hugging Face"), _("_Export"), NULL, on_export_folder_chosen);
}

static void
open_dataset_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  _dl_window_choose (DL_WINDOW (widget), GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                     _("Open Dataset Folder"), _("_Open"), NULL, dl_window_open_dataset_folder);
}

static void
fashion_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  DlWindow *self = DL_WINDOW (widget);
  g_autofree char *dir = dl_fetch_find_fashion_mnist ();

  if (dir == NULL)
    {
      dl_window_show_toast (self, _("Fashion-MNIST is not installed"));
      return;
    }
  _dl_window_load_dataset (self, dir, DL_LOAD_REPORT_ERRORS);
}

static void
export_figure_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  _dl_window_export_figure (DL_WINDOW (widget));
}

static void
show_page_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  adw_view_stack_set_visible_child_name (DL_WINDOW (widget)->stack,
                                         g_variant_get_string (parameter, NULL));
}

/* The page before or after the visible one in the switcher's order; none past either end. */
static void
step_page (DlWindow *self,
           int       step)
{
  g_autoptr(GtkSelectionModel) pages = adw_view_stack_get_pages (self->stack);
  GtkWidget *visible = adw_view_stack_get_visible_child (self->stack);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (pages));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(AdwViewStackPage) page = g_list_model_get_item (G_LIST_MODEL (pages), i);

      if (adw_view_stack_page_get_child (page) == visible)
        {
          if ((step < 0 && i > 0) || (step > 0 && i + 1 < n))
            gtk_selection_model_select_item (pages, i + step, TRUE);
          return;
        }
    }
}

static void
previous_page_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  step_page (DL_WINDOW (widget), -1);
}

static void
next_page_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  step_page (DL_WINDOW (widget), 1);
}

/* What a page has to say to the person (a run ended, a model arrived). */
static void
show_toast_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  dl_window_show_toast (DL_WINDOW (widget), g_variant_get_string (parameter, NULL));
}

void
_dl_window_class_actions_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.get-mnist", NULL, get_mnist_action);
  gtk_widget_class_install_action (widget_class, "win.cancel-download", NULL,
                                   cancel_download_action);
  gtk_widget_class_install_action (widget_class, "win.start-training", NULL,
                                   start_training_action);
  gtk_widget_class_install_action (widget_class, "win.stop-training", NULL, stop_training_action);
  /* A binding, not an application key: those are caught before any widget, and Escape must
   * close a menu or a side panel first. The Keyboard Shortcuts window names it itself. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "win.stop-training", NULL);

  gtk_widget_class_install_action (widget_class, "win.open-image", NULL, open_image_action);
  gtk_widget_class_install_action (widget_class, "win.open-model", NULL, open_model_action);
  gtk_widget_class_install_action (widget_class, "win.save-model", NULL, save_model_action);
  gtk_widget_class_install_action (widget_class, "win.export", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "win.open-dataset", NULL, open_dataset_action);
  gtk_widget_class_install_action (widget_class, "win.open-fashion-mnist", NULL, fashion_action);
  gtk_widget_class_install_action (widget_class, "win.export-figure", NULL, export_figure_action);
  gtk_widget_class_install_action (widget_class, "win.show-page", "s", show_page_action);
  gtk_widget_class_install_action (widget_class, "win.show-toast", "s", show_toast_action);
  gtk_widget_class_install_action (widget_class, "win.previous-page", NULL,
                                   previous_page_action);
  gtk_widget_class_install_action (widget_class, "win.next-page", NULL, next_page_action);
}

void
_dl_window_actions_init (DlWindow *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel-download", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.open-fashion-mnist",
                                 dl_session_get_fashion_available (self->session));
}

/* The window's keys, as application accelerators: the Keyboard Shortcuts window and the menus
 * read them from the application, which widget key bindings would hide from them. */
static const struct
{
  const char *action;
  const char *accels[3];
} window_accels[] = {
  { "win.open-model", { "<Control>o", NULL } },
  { "win.open-image", { "<Shift><Control>o", NULL } },
  { "win.save-model", { "<Control>s", NULL } },
  { "win.export", { "<Control>e", NULL } },
  { "win.export-figure", { "<Shift><Control>e", NULL } },
  { "win.open-dataset", { "<Control>d", NULL } },
  { "win.start-training", { "<Control>Return", NULL } },
  { "win.previous-page", { "<Control>Page_Up", NULL } },
  { "win.next-page", { "<Control>Page_Down", NULL } },
};

void
dl_window_set_accels (GtkApplication *app)
{
  g_auto(GStrv) names = _dl_window_list_page_names ();

  g_return_if_fail (GTK_IS_APPLICATION (app));
  for (size_t i = 0; i < G_N_ELEMENTS (window_accels); i++)
    gtk_application_set_accels_for_action (app, window_accels[i].action,
                                           window_accels[i].accels);
  /* Alt+1 … Alt+9: the pages in the switcher's order */
  for (guint i = 0; names[i] != NULL && i < 9; i++)
    {
      g_autofree char *action = g_strdup_printf ("win.show-page::%s", names[i]);
      g_autofree char *accel = g_strdup_printf ("<Alt>%u", i + 1);
      const char *accels[] = { accel, NULL };

      gtk_application_set_accels_for_action (app, action, accels);
    }
}
