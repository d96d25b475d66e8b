/* dl-window-dialogs.c: the window's file choosers and message dialogs */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "dl-window-private.h"

#include <glib/gi18n.h>

#include "dl-figure.h"

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
  DlFigureFormat format = self->figure_format;

  /* a name typed with another figure extension asks for that format */
  if (path != NULL)
    dl_figure_format_from_path (path, &format);
  if (path == NULL ||
      !dl_window_export_figure (self, self->figure_id, self->figure_title, format,
                                self->figure_width, self->figure_height, path, &error))
    {
      g_autofree char *message = g_strdup_printf (_("Could not export the figure: %s"),
                                                  error != NULL ? error->message
                                                                : _("not a local file"));

      dl_window_show_toast (self, message);
      return;
    }
  dl_window_show_toast (self, _("Figure exported"));
}

/* The dialog's controls, found again by name. */
static GtkWidget *
figure_control (AdwMessageDialog *dialog,
                const char       *name)
{
  return g_object_get_data (G_OBJECT (dialog), name);
}

/* A chart chosen: its name is the title proposed, and one that cannot be exported says why
 * and cannot be chosen for export. */
static void
on_figure_chosen (AdwMessageDialog *dialog)
{
  GPtrArray *figures = g_object_get_data (G_OBJECT (dialog), "figures");
  guint i = gtk_drop_down_get_selected (GTK_DROP_DOWN (figure_control (dialog, "chart")));
  GtkWidget *reason = figure_control (dialog, "reason");
  DlPageFigure *item;

  if (i >= figures->len)
    return;
  item = figures->pdata[i];
  gtk_editable_set_text (GTK_EDITABLE (figure_control (dialog, "title")), item->name);
  gtk_label_set_text (GTK_LABEL (reason), item->unavailable != NULL ? item->unavailable : "");
  gtk_widget_set_visible (reason, item->unavailable != NULL);
  adw_message_dialog_set_response_enabled (dialog, "export", item->unavailable == NULL);
}

static void
on_figure_response (AdwMessageDialog *dialog,
                    const char       *response,
                    DlWindow         *self)
{
  GPtrArray *figures = g_object_get_data (G_OBJECT (dialog), "figures");
  guint i = gtk_drop_down_get_selected (GTK_DROP_DOWN (figure_control (dialog, "chart")));
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  g_autofree char *name = NULL;
  GtkSpinButton *width = GTK_SPIN_BUTTON (figure_control (dialog, "width"));
  GtkSpinButton *height = GTK_SPIN_BUTTON (figure_control (dialog, "height"));
  const char *ext;

  if (g_strcmp0 (response, "export") != 0 || i >= figures->len)
    return;
  g_free (self->figure_id);
  self->figure_id = g_strdup (((DlPageFigure *) figures->pdata[i])->id);
  g_free (self->figure_title);
  self->figure_title = g_strdup (gtk_editable_get_text (GTK_EDITABLE (figure_control (dialog,
                                                                                      "title"))));
  gtk_spin_button_update (width);
  gtk_spin_button_update (height);
  self->figure_width = gtk_spin_button_get_value_as_int (width);
  self->figure_height = gtk_spin_button_get_value_as_int (height);
  self->figure_format = MIN (gtk_drop_down_get_selected (GTK_DROP_DOWN (figure_control (dialog,
                                                                                       "format"))),
                             DL_N_FIGURE_FORMATS - 1);
  ext = dl_figure_format_get_extension (self->figure_format);
  gtk_file_filter_set_name (filter, self->figure_format == DL_FIGURE_FORMAT_PNG ? _("PNG images")
                                    : self->figure_format == DL_FIGURE_FORMAT_SVG ? _("SVG drawings")
                                    : _("PDF documents"));
  gtk_file_filter_add_mime_type (filter, dl_figure_format_get_mime_type (self->figure_format));
  _dl_window_choose (self, GTK_FILE_CHOOSER_ACTION_SAVE, _("Export Figure"), _("_Export"), filter,
                     on_figure_file_chosen);
  name = g_strdup_printf ("%s.%s", self->figure_id, ext);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), name);
}

static GtkWidget *
figure_row (GtkGrid    *grid,
            int         row,
            const char *label,
            GtkWidget  *control)
{
  GtkWidget *title = gtk_label_new_with_mnemonic (label);

  gtk_label_set_xalign (GTK_LABEL (title), 1);
  gtk_label_set_mnemonic_widget (GTK_LABEL (title), control);
  gtk_widget_add_css_class (title, "dim-label");
  gtk_grid_attach (grid, title, 0, row, 1, 1);
  gtk_widget_set_hexpand (control, TRUE);
  gtk_grid_attach (grid, control, 1, row, 1, 1);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (control), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                  title, NULL, -1);
  return control;
}

static GtkWidget *
figure_side (int         value,
             const char *accessible_name)
{
  GtkWidget *spin = gtk_spin_button_new_with_range (16, 8192, 10);

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), value);
  gtk_spin_button_set_numeric (GTK_SPIN_BUTTON (spin), TRUE);
  gtk_editable_set_width_chars (GTK_EDITABLE (spin), 5);
  gtk_accessible_update_property (GTK_ACCESSIBLE (spin), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible_name, -1);
  return spin;
}

void
_dl_window_export_figure (DlWindow *self)
{
  GtkWidget *page = adw_view_stack_get_visible_child (self->stack);
  g_autoptr(GPtrArray) figures = NULL;
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  const char *const formats[] = { N_("PNG image"), N_("SVG drawing"), N_("PDF document") };
  g_autoptr(GtkStringList) format_names = gtk_string_list_new (NULL);
  GtkWidget *dialog, *chart, *title, *size, *width, *height, *format, *reason;
  GtkGrid *grid;
  guint selected = 0;

  figures = DL_IS_PAGE (page) ? dl_page_list_figures (DL_PAGE (page)) : NULL;
  if (figures == NULL || figures->len == 0)
    {
      dl_window_show_toast (self, _("This page has no chart to export"));
      return;
    }
  for (guint i = 0; i < figures->len; i++)
    {
      DlPageFigure *item = figures->pdata[i];

      gtk_string_list_append (names, item->name);
      if (g_strcmp0 (item->id, self->figure_id) == 0)
        selected = i;
    }
  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    gtk_string_list_append (format_names, _(formats[i]));

  grid = GTK_GRID (gtk_grid_new ());
  gtk_grid_set_row_spacing (grid, 12);
  gtk_grid_set_column_spacing (grid, 12);
  chart = figure_row (grid, 0, _("C_hart"),
                      gtk_drop_down_new (G_LIST_MODEL (g_object_ref (names)), NULL));
  title = figure_row (grid, 1, _("_Title"), gtk_entry_new ());
  size = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  width = figure_side (self->figure_width, _("Width in pixels"));
  height = figure_side (self->figure_height, _("Height in pixels"));
  gtk_box_append (GTK_BOX (size), width);
  gtk_box_append (GTK_BOX (size), gtk_label_new ("×"));
  gtk_box_append (GTK_BOX (size), height);
  figure_row (grid, 2, _("_Size"), size);
  gtk_label_set_mnemonic_widget (GTK_LABEL (gtk_grid_get_child_at (grid, 0, 2)), width);
  format = figure_row (grid, 3, _("_Format"),
                       gtk_drop_down_new (G_LIST_MODEL (g_object_ref (format_names)), NULL));
  gtk_drop_down_set_selected (GTK_DROP_DOWN (format), self->figure_format);
  reason = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (reason), TRUE);
  gtk_label_set_xalign (GTK_LABEL (reason), 0);
  gtk_widget_add_css_class (reason, "error");
  gtk_grid_attach (grid, reason, 0, 4, 2, 1);

  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Export Figure"),
                                   _("The chart is drawn again at the size you choose, its text "
                                     "scaled with it. PNG is an image; SVG and PDF stay sharp at "
                                     "any size (PDF sizes are in points)."));
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), GTK_WIDGET (grid));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "export", _("_Choose File…"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "export",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "export");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data (G_OBJECT (dialog), "chart", chart);
  g_object_set_data (G_OBJECT (dialog), "title", title);
  g_object_set_data (G_OBJECT (dialog), "width", width);
  g_object_set_data (G_OBJECT (dialog), "height", height);
  g_object_set_data (G_OBJECT (dialog), "format", format);
  g_object_set_data (G_OBJECT (dialog), "reason", reason);
  g_object_set_data_full (G_OBJECT (dialog), "figures", g_steal_pointer (&figures),
                          (GDestroyNotify) g_ptr_array_unref);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (chart), selected);
  on_figure_chosen (ADW_MESSAGE_DIALOG (dialog));
  g_signal_connect_swapped (chart, "notify::selected", G_CALLBACK (on_figure_chosen), dialog);
  g_signal_connect (dialog, "response", G_CALLBACK (on_figure_response), self);
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
