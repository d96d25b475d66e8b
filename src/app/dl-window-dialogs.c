/* dl-window-dialogs.c: the window's file choosers and message dialogs */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "dl-window-private.h"

#include <glib/gi18n.h>

#include "dl-figure.h"

static const int figure_sizes[][2] = { { 800, 600 }, { 1200, 900 }, { 1600, 1200 }, { 2400, 1800 } };

static void
on_chooser_response (GtkNativeDialog *dialog,
                     int              response,
                     DlWindow        *self)
{
  DlWindowChooserDone done = g_object_get_data (G_OBJECT (dialog), "done");

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      done (self, file);
    }
  g_clear_object (&self->chooser);
}

void
_dl_window_choose (DlWindow             *self,
                   GtkFileChooserAction  action,
                   const char           *title,
                   const char           *accept,
                   GtkFileFilter        *filter,
                   DlWindowChooserDone   done)
{
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new (title, GTK_WINDOW (self), action, accept,
                                               _("_Cancel"));
  if (filter != NULL)
    gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  g_object_set_data (G_OBJECT (self->chooser), "done", done);
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

void
_dl_window_show_error (DlWindow   *self,
                       const char *heading,
                       const char *body)
{
  AdwMessageDialog *dialog;

  g_debug ("%s: %s", heading, body);
  /* a closed dialog may outlive its closing for a while (references held elsewhere) */
  if (self->error_dialog != NULL && !gtk_widget_get_visible (self->error_dialog))
    {
      g_object_remove_weak_pointer (G_OBJECT (self->error_dialog),
                                    (gpointer *) &self->error_dialog);
      self->error_dialog = NULL;
    }
  if (self->error_dialog != NULL)
    {
      g_autofree char *more = NULL;

      dialog = ADW_MESSAGE_DIALOG (self->error_dialog);
      more = g_strdup_printf ("%s\n\n%s\n%s", adw_message_dialog_get_body (dialog), heading, body);
      adw_message_dialog_set_body (dialog, more);
      return;
    }
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), heading, body));
  adw_message_dialog_add_response (dialog, "close", _("_Close"));
  self->error_dialog = GTK_WIDGET (dialog);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->error_dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

GtkWidget *
dl_window_get_error_dialog (DlWindow *self)
{
  g_return_val_if_fail (DL_IS_WINDOW (self), NULL);
  return self->error_dialog != NULL && gtk_widget_get_visible (self->error_dialog)
           ? self->error_dialog : NULL;
}

static void
on_figure_file_chosen (DlWindow *self,
                       GFile    *file)
{
  g_autofree char *path = g_file_get_path (file);
  g_autoptr(GError) error = NULL;
  const int *size = figure_sizes[MIN (self->figure_size, G_N_ELEMENTS (figure_sizes) - 1)];
  GtkWidget *figure = dl_window_get_figure (self);

  if (path == NULL || figure == NULL ||
      !dl_figure_save_png (figure, path, size[0], size[1], &error))
    {
      g_autofree char *message = g_strdup_printf (_("Could not export the figure: %s"),
                                                  error != NULL ? error->message
                                                                : _("not a local file"));

      dl_window_show_toast (self, message);
      return;
    }
  dl_window_show_toast (self, _("Figure exported"));
}

static void
on_figure_size_response (AdwMessageDialog *dialog,
                         const char       *response,
                         DlWindow         *self)
{
  GtkDropDown *sizes = GTK_DROP_DOWN (adw_message_dialog_get_extra_child (dialog));
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  if (g_strcmp0 (response, "export") != 0)
    return;
  self->figure_size = gtk_drop_down_get_selected (sizes);
  gtk_file_filter_set_name (filter, _("PNG images"));
  gtk_file_filter_add_mime_type (filter, "image/png");
  _dl_window_choose (self, GTK_FILE_CHOOSER_ACTION_SAVE, _("Export Figure"), _("_Export"), filter,
                     on_figure_file_chosen);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), "figure.png");
}

void
_dl_window_export_figure (DlWindow *self)
{
  const char *labels[G_N_ELEMENTS (figure_sizes) + 1] = { NULL };
  g_auto(GStrv) owned = g_new0 (char *, G_N_ELEMENTS (figure_sizes) + 1);
  GtkWidget *dialog, *sizes;

  for (size_t i = 0; i < G_N_ELEMENTS (figure_sizes); i++)
    labels[i] = owned[i] = g_strdup_printf ("%d × %d", figure_sizes[i][0], figure_sizes[i][1]);
  sizes = gtk_drop_down_new_from_strings (labels);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (sizes), self->figure_size);
  gtk_accessible_update_property (GTK_ACCESSIBLE (sizes), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Figure size in pixels"), -1);
  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Export Figure"),
                                   _("The chart of this page is drawn again at the size you "
                                     "choose and saved as a PNG image."));
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), sizes);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "export", _("_Choose File…"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "export",
                                              ADW_RESPONSE_SUGGESTED);
  g_signal_connect (dialog, "response", G_CALLBACK (on_figure_size_response), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_close_response (AdwMessageDialog *dialog,
                   const char       *response,
                   DlWindow         *self)
{
  if (g_strcmp0 (response, "stop") != 0)
    return;
  self->close_after_training = TRUE;
  dl_training_stop (dl_session_get_training (self->session));
}

gboolean
_dl_window_close_request (GtkWindow *window)
{
  DlWindow *self = DL_WINDOW (window);
  GtkWidget *dialog;

  if (!dl_training_get_running (dl_session_get_training (self->session)))
    return GTK_WINDOW_CLASS (g_type_class_peek_parent (G_OBJECT_GET_CLASS (window)))
             ->close_request (window);
  dialog = adw_message_dialog_new (window, _("Stop Training?"),
                                   _("Training is still running. The best epoch so far is kept."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Keep Training"),
                                    "stop", _("_Stop and Close"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "stop",
                                              ADW_RESPONSE_DESTRUCTIVE);
  g_signal_connect (dialog, "response", G_CALLBACK (on_close_response), self);
  gtk_window_present (GTK_WINDOW (dialog));
  return TRUE;
}

void
_dl_window_dialogs_dispose (DlWindow *self)
{
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  if (self->error_dialog != NULL)
    {
      g_object_remove_weak_pointer (G_OBJECT (self->error_dialog),
                                    (gpointer *) &self->error_dialog);
      gtk_window_destroy (GTK_WINDOW (g_steal_pointer (&self->error_dialog)));
    }
}
