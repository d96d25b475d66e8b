/* dl-window.c: the window holds the session and the pages, which it reaches only as DlPage */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "dl-window.h"
#include "dl-window-private.h"

#include <glib/gi18n.h>

#include "dl-accessible.h"
#include "dl-resources.h"
#include "dl-inside-page.h"
#include "dl-runs-page.h"

#define RESOURCE_PATH "/io/github/digitlab/DigitLab/"

G_DEFINE_FINAL_TYPE (DlWindow, dl_window, ADW_TYPE_APPLICATION_WINDOW)

/* Every page the window shows, in the switcher's order. A page is registered by its line here
 * and nothing else: its type gives the stack its name, title and icon through DlPage. */
static GType (* const page_types[]) (void) = {
  dl_dataset_page_get_type,
  dl_explore_page_get_type,
  dl_train_page_get_type,
  dl_runs_page_get_type,
  dl_evaluate_page_get_type,
  dl_draw_page_get_type,
  dl_inside_page_get_type,
};

/* Fills the view stack from page_types[]. */
static void
add_pages (DlWindow *self)
{
  for (size_t i = 0; i < G_N_ELEMENTS (page_types); i++)
    {
      GtkWidget *child = g_object_new (page_types[i] (), NULL);
      DlPage *page = DL_PAGE (child);
      AdwViewStackPage *stack_page;

      g_assert (dl_page_get_name (page) != NULL && dl_page_get_title (page) != NULL);
      stack_page = adw_view_stack_add_titled (self->stack, child, dl_page_get_name (page),
                                              dl_page_get_title (page));
      adw_view_stack_page_set_use_underline (stack_page, TRUE);
      adw_view_stack_page_set_icon_name (stack_page, dl_page_get_icon_name (page));
    }
}

/* The narrow bar's buttons follow the visible page, whose title the header shows under the
 * app's name when the bar replaces the switcher. */
static void
on_visible_page (DlWindow *self)
{
  const char *name = adw_view_stack_get_visible_child_name (self->stack);

  for (GtkWidget *button = gtk_widget_get_first_child (
         gtk_action_bar_get_center_widget (self->narrow_bar));
       button != NULL; button = gtk_widget_get_next_sibling (button))
    if (g_strcmp0 (g_object_get_data (G_OBJECT (button), "page"), name) == 0)
      {
        gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (button), TRUE);
        adw_view_switcher_title_set_subtitle (self->switcher_title,
                                              gtk_widget_get_tooltip_text (button));
      }
}

static void
on_narrow_button_toggled (GtkToggleButton *button,
                          DlWindow        *self)
{
  if (gtk_toggle_button_get_active (button))
    adw_view_stack_set_visible_child_name (self->stack,
                                           g_object_get_data (G_OBJECT (button), "page"));
}

/* A title without its access key's underscore ("__" is an underscore), and that key's letter. */
static char *
strip_access_key (const char *title,
                  gunichar   *key)
{
  GString *plain = g_string_new (NULL);

  *key = 0;
  for (const char *p = title; *p != '\0'; p = g_utf8_next_char (p))
    {
      if (*p == '_' && p[1] == '_')
        p++;
      else if (*p == '_' && p[1] != '\0')
        {
          if (*key == 0)
            *key = g_unichar_tolower (g_utf8_get_char (p + 1));
          continue;
        }
      g_string_append_unichar (plain, g_utf8_get_char (p));
    }
  return g_string_free (plain, FALSE);
}

/* The bar shown when the header's switcher does not fit: one icon per page, its title as the
 * tooltip and accessible name, and its access key (Alt and the letter) as in the switcher. */
static void
fill_narrow_bar (DlWindow *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkEventController *keys = gtk_shortcut_controller_new ();
  GtkToggleButton *group = NULL;

  gtk_box_set_homogeneous (GTK_BOX (box), TRUE);
  gtk_shortcut_controller_set_scope (GTK_SHORTCUT_CONTROLLER (keys), GTK_SHORTCUT_SCOPE_MANAGED);
  for (size_t i = 0; i < G_N_ELEMENTS (page_types); i++)
    {
      gpointer klass = g_type_class_ref (page_types[i] ());
      DlPageInterface *iface = g_type_interface_peek (klass, DL_TYPE_PAGE);
      GtkWidget *button = gtk_toggle_button_new ();
      gunichar key;
      g_autofree char *title = strip_access_key (_(iface->title), &key);

      gtk_button_set_icon_name (GTK_BUTTON (button), iface->icon_name);
      gtk_widget_add_css_class (button, "flat");
      gtk_widget_set_tooltip_text (button, title);
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      title, -1);
      g_object_set_data_full (G_OBJECT (button), "page", g_strdup (iface->name), g_free);
      if (group != NULL)
        gtk_toggle_button_set_group (GTK_TOGGLE_BUTTON (button), group);
      else
        group = GTK_TOGGLE_BUTTON (button);
      g_signal_connect (button, "toggled", G_CALLBACK (on_narrow_button_toggled), self);
      gtk_box_append (GTK_BOX (box), button);
      if (key != 0)
        {
          GtkShortcut *shortcut = gtk_shortcut_new (
            gtk_mnemonic_trigger_new (gdk_unicode_to_keyval (key)),
            gtk_named_action_new ("win.show-page"));

          gtk_shortcut_set_arguments (shortcut, g_variant_new_string (iface->name));
          gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (keys), shortcut);
        }
      g_type_class_unref (klass);
    }
  gtk_widget_add_controller (box, keys);
  gtk_action_bar_set_center_widget (self->narrow_bar, box);
  g_signal_connect_swapped (self->stack, "notify::visible-child-name",
                            G_CALLBACK (on_visible_page), self);
  on_visible_page (self);
}

char **
_dl_window_list_page_names (void)
{
  GStrvBuilder *builder = g_strv_builder_new ();
  char **names;

  for (size_t i = 0; i < G_N_ELEMENTS (page_types); i++)
    {
      gpointer klass = g_type_class_ref (page_types[i] ());
      DlPageInterface *iface = g_type_interface_peek (klass, DL_TYPE_PAGE);

      g_strv_builder_add (builder, iface->name);
      g_type_class_unref (klass);
    }
  names = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return names;
}

/* The Keyboard Shortcuts window names the page keys as one range, as many as there are pages. */
static void
update_page_keys (GtkWidget *widget,
                  guint      n_pages)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      g_autofree char *accel = NULL;

      /* the entry, and its copy among the search results */
      if (GTK_IS_SHORTCUTS_SHORTCUT (child))
        g_object_get (child, "accelerator", &accel, NULL);
      if (accel != NULL && g_str_has_prefix (accel, "<Alt>1..."))
        {
          g_autofree char *range = g_strdup_printf ("<Alt>1...<Alt>%u", MIN (n_pages, 9));

          g_object_set (child, "accelerator", range, NULL);
        }
      update_page_keys (child, n_pages);
    }
}

static void
on_help_overlay (DlWindow *self)
{
  GtkShortcutsWindow *overlay =
    gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (self));

  if (overlay != NULL)
    update_page_keys (GTK_WIDGET (overlay), G_N_ELEMENTS (page_types));
}

/* The pages in the switcher's order (borrowed). */
static GPtrArray *
list_pages (DlWindow *self)
{
  g_autoptr(GtkSelectionModel) stack_pages = adw_view_stack_get_pages (self->stack);
  GPtrArray *pages = g_ptr_array_new ();
  guint n = g_list_model_get_n_items (G_LIST_MODEL (stack_pages));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(AdwViewStackPage) page = g_list_model_get_item (G_LIST_MODEL (stack_pages), i);
      GtkWidget *child = adw_view_stack_page_get_child (page);

      if (DL_IS_PAGE (child))
        g_ptr_array_add (pages, child);
    }
  return pages;
}

GtkWidget *
_dl_window_find_page (DlWindow *self,
                      GType     type)
{
  g_autoptr(GPtrArray) pages = list_pages (self);

  for (guint i = 0; i < pages->len; i++)
    if (G_TYPE_CHECK_INSTANCE_TYPE (pages->pdata[i], type))
      return pages->pdata[i];
  return NULL;
}

DlSession *
dl_window_get_session (DlWindow *self)
{
  g_return_val_if_fail (DL_IS_WINDOW (self), NULL);
  return self->session;
}

/* Toasts reach the overlay one at a time, each once the one before has slid out, and none is
 * dismissed while it slides in. libadwaita 1.2 crashes otherwise: a toast shown while another
 * slides out slides in for 500 ms but out in 300, and one dismissed as it slides in (in the same
 * frame, or in a stalled one) ends its slide-out first, frees its state, and its slide-in then
 * writes to it; a toast put back behind a high-priority one and brought back while it still
 * slides out fails an assertion. */
#define TOAST_SLIDE_IN_MS 300   /* libadwaita 1.2's SHOW_DURATION */

static gboolean
overlay_has_toast (DlWindow *self)
{
  GtkWidget *content = adw_toast_overlay_get_child (self->toast_overlay);

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->toast_overlay));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    if (child != content)
      return TRUE;
  return FALSE;
}

/* Whether the overlay animates: an animation on an unmapped widget, or with animations off,
 * ends as it starts. */
static gboolean
overlay_animates (DlWindow *self)
{
  GtkWidget *overlay = GTK_WIDGET (self->toast_overlay);
  gboolean enabled = TRUE;

  if (!gtk_widget_get_mapped (overlay))
    return FALSE;
  g_object_get (gtk_widget_get_settings (overlay), "gtk-enable-animations", &enabled, NULL);
  return enabled;
}

static void show_next_toast (DlWindow *self);

static gboolean
on_toast_due (gpointer data)
{
  DlWindow *self = data;

  self->toast_source = 0;
  show_next_toast (self);
  return G_SOURCE_REMOVE;
}

/* The shown toast's dismissal, held back while it slid in, goes through now. */
static void
release_dismissal (DlWindow *self)
{
  g_autoptr(AdwToast) toast = g_object_ref (self->shown_toast);

  self->dismiss_held = FALSE;
  self->releasing = TRUE;
  g_signal_emit_by_name (toast, "dismissed");
  self->releasing = FALSE;
}

static gboolean
on_overlay_tick (GtkWidget     *overlay,
                 GdkFrameClock *clock,
                 gpointer       data)
{
  DlWindow *self = data;

  /* the slide-in ends in this frame at the latest: libadwaita counts the same way */
  if (self->shown_toast != NULL &&
      gdk_frame_clock_get_frame_time (clock) / 1000 - self->shown_at < TOAST_SLIDE_IN_MS)
    return G_SOURCE_CONTINUE;
  self->tick_id = 0;
  if (self->shown_toast != NULL && self->dismiss_held)
    release_dismissal (self);
  return G_SOURCE_REMOVE;
}

static gboolean
on_release_due (gpointer data)
{
  DlWindow *self = data;

  self->release_source = 0;
  if (self->shown_toast != NULL && self->dismiss_held)
    release_dismissal (self);
  return G_SOURCE_REMOVE;
}

/* Hidden, the overlay ends its animations: a held dismissal goes once the slide-in has ended,
 * which its own handler of this signal, after this one, does. */
static void
on_overlay_unmap (DlWindow *self)
{
  if (self->tick_id != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self->toast_overlay), self->tick_id);
  self->tick_id = 0;
  if (self->dismiss_held && self->release_source == 0)
    self->release_source = g_idle_add (on_release_due, self);
}

/* Runs before the overlay's own handler: while the toast slides in, the overlay does not hear
 * of its dismissal until the slide-in has ended. */
static void
on_shown_toast_dismissed (AdwToast *toast,
                          DlWindow *self)
{
  if (toast != self->shown_toast)
    return;
  if (!self->releasing && self->tick_id != 0)
    {
      self->dismiss_held = TRUE;
      g_signal_stop_emission_by_name (toast, "dismissed");
      return;
    }
  g_signal_handlers_disconnect_by_func (toast, on_shown_toast_dismissed, self);
  g_clear_object (&self->shown_toast);
  show_next_toast (self);
}

static void
show_next_toast (DlWindow *self)
{
  AdwToast *toast;

  if (self->shown_toast != NULL || self->toast_source != 0 || g_queue_is_empty (&self->toasts))
    return;
  if (overlay_has_toast (self))
    {
      /* the one before still slides out */
      self->toast_source = g_timeout_add (50, on_toast_due, self);
      return;
    }
  toast = g_queue_pop_head (&self->toasts);
  self->shown_toast = g_object_ref (toast);
  /* before the overlay connects its own */
  g_signal_connect_object (toast, "dismissed", G_CALLBACK (on_shown_toast_dismissed), self, 0);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
  if (overlay_animates (self))
    {
      GtkWidget *overlay = GTK_WIDGET (self->toast_overlay);

      self->shown_at = gdk_frame_clock_get_frame_time (gtk_widget_get_frame_clock (overlay))
                       / 1000;
      self->tick_id = gtk_widget_add_tick_callback (overlay, on_overlay_tick, self, NULL);
    }
}

/* A toast like this one, to show again after one that took its place. */
static AdwToast *
copy_toast (AdwToast *toast)
{
  AdwToast *copy = adw_toast_new (adw_toast_get_title (toast));
  GVariant *target = adw_toast_get_action_target_value (toast);

  adw_toast_set_button_label (copy, adw_toast_get_button_label (toast));
  adw_toast_set_action_name (copy, adw_toast_get_action_name (toast));
  adw_toast_set_action_target_value (copy, target);
  adw_toast_set_timeout (copy, adw_toast_get_timeout (toast));
  adw_toast_set_priority (copy, adw_toast_get_priority (toast));
  return copy;
}

void
dl_window_add_toast (DlWindow *self,
                     AdwToast *toast)
{
  g_return_if_fail (DL_IS_WINDOW (self));
  g_return_if_fail (ADW_IS_TOAST (toast));

  if (adw_toast_get_priority (toast) == ADW_TOAST_PRIORITY_HIGH)
    {
      g_queue_push_head (&self->toasts, toast);
      /* a less urgent one on screen makes way, and comes back after it */
      if (self->shown_toast != NULL &&
          adw_toast_get_priority (self->shown_toast) != ADW_TOAST_PRIORITY_HIGH)
        {
          g_queue_push_nth (&self->toasts, copy_toast (self->shown_toast), 1);
          adw_toast_dismiss (self->shown_toast);
        }
    }
  else
    g_queue_push_tail (&self->toasts, toast);
  show_next_toast (self);
}

void
dl_window_dismiss_toast (DlWindow *self,
                         AdwToast *toast)
{
  GList *waiting;

  g_return_if_fail (DL_IS_WINDOW (self));
  g_return_if_fail (ADW_IS_TOAST (toast));

  waiting = g_queue_find (&self->toasts, toast);
  if (waiting == NULL)
    {
      adw_toast_dismiss (toast);
      return;
    }
  /* never shown: its owner hears it went all the same */
  g_queue_delete_link (&self->toasts, waiting);
  g_signal_emit_by_name (toast, "dismissed");
  g_object_unref (toast);
}

/* The waiting toasts go as the shown one does when the overlay goes: dismissed. The overlay is
 * hidden first, which ends its animations while their toasts are still there. */
void
_dl_window_dispose_toasts (DlWindow *self)
{
  AdwToast *toast;

  g_clear_handle_id (&self->toast_source, g_source_remove);
  if (self->toast_overlay != NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->toast_overlay), FALSE);
      g_clear_handle_id (&self->release_source, g_source_remove);
      if (self->shown_toast != NULL && self->dismiss_held)
        release_dismissal (self);
    }
  while ((toast = g_queue_pop_head (&self->toasts)) != NULL)
    {
      g_signal_emit_by_name (toast, "dismissed");
      g_object_unref (toast);
    }
  if (self->shown_toast != NULL)
    g_signal_handlers_disconnect_by_func (self->shown_toast, on_shown_toast_dismissed, self);
  g_clear_object (&self->shown_toast);
}

void
_dl_window_present_toast (DlWindow *self,
                          AdwToast *toast)
{
  g_free (self->last_toast);
  self->last_toast = g_strdup (adw_toast_get_title (toast));
  dl_window_add_toast (self, toast);
}

void
dl_window_show_toast (DlWindow   *self,
                      const char *message)
{
  AdwToast *toast = adw_toast_new (message);

  /* long sentences with the engine's reason stay up long enough to read */
  if (g_utf8_strlen (message, -1) > 60)
    adw_toast_set_timeout (toast, 10);
  _dl_window_present_toast (self, toast);
}

const char *
dl_window_get_last_toast (DlWindow *self)
{
  g_return_val_if_fail (DL_IS_WINDOW (self), NULL);
  return self->last_toast;
}

void
dl_window_forget_last_toast (DlWindow *self)
{
  g_return_if_fail (DL_IS_WINDOW (self));
  g_clear_pointer (&self->last_toast, g_free);
}

NnModel *
dl_window_get_model (DlWindow *self)
{
  g_return_val_if_fail (DL_IS_WINDOW (self), NULL);
  return dl_session_get_model (self->session);
}

/* The dataset the pages use; tests give their own. Takes ownership. */
void
dl_window_set_dataset (DlWindow  *self,
                       NnDataset *dataset)
{
  g_return_if_fail (DL_IS_WINDOW (self));
  dl_session_set_dataset (self->session, dataset);
  g_clear_pointer (&dataset, nn_dataset_unref);
}

/* Export Figure without its dialogs: the visible page's figure id, as dl_figure_export ()
 * writes it; a figure the page cannot export now is an error with the page's reason. */
gboolean
dl_window_export_figure (DlWindow        *self,
                         const char      *id,
                         const char      *title,
                         DlFigureFormat   format,
                         int              width,
                         int              height,
                         const char      *path,
                         GError         **error)
{
  g_autoptr(DlPageFigure) item = NULL;
  GtkWidget *page;

  g_return_val_if_fail (DL_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (id != NULL && path != NULL, FALSE);

  page = adw_view_stack_get_visible_child (self->stack);
  item = DL_IS_PAGE (page) ? dl_page_find_figure (DL_PAGE (page), id) : NULL;
  if (item == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("This page has no figure “%s”"), id);
      return FALSE;
    }
  if (item->unavailable != NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, item->unavailable);
      return FALSE;
    }
  return dl_figure_export (item->figure, page, title, format, width, height, path, error);
}

DlDrawPage *
dl_window_get_draw_page (DlWindow *self)
{
  g_return_val_if_fail (DL_IS_WINDOW (self), NULL);
  return DL_DRAW_PAGE (_dl_window_find_page (self, DL_TYPE_DRAW_PAGE));
}

DlExplorePage *
dl_window_get_explore_page (DlWindow *self)
{
  g_return_val_if_fail (DL_IS_WINDOW (self), NULL);
  return DL_EXPLORE_PAGE (_dl_window_find_page (self, DL_TYPE_EXPLORE_PAGE));
}

DlDatasetPage *
dl_window_get_dataset_page (DlWindow *self)
{
  g_return_val_if_fail (DL_IS_WINDOW (self), NULL);
  return DL_DATASET_PAGE (_dl_window_find_page (self, DL_TYPE_DATASET_PAGE));
}

DlEvaluatePage *
dl_window_get_evaluate_page (DlWindow *self)
{
  g_return_val_if_fail (DL_IS_WINDOW (self), NULL);
  return DL_EVALUATE_PAGE (_dl_window_find_page (self, DL_TYPE_EVALUATE_PAGE));
}

DlTrainPage *
dl_window_get_train_page (DlWindow *self)
{
  g_return_val_if_fail (DL_IS_WINDOW (self), NULL);
  return DL_TRAIN_PAGE (_dl_window_find_page (self, DL_TYPE_TRAIN_PAGE));
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

/* The model remembered from the last session replaces the built-in one once read; a model
 * that is gone or broken leaves the built-in one, and says so. */
static void
on_model_restored (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!dl_session_restore_model_finish (DL_SESSION (source), result, &error) && error != NULL &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      DlWindow *self = user_data;
      /* Translators: the engine's reason follows */
      g_autofree char *message = g_strdup_printf (_("The last model could not be loaded, so the "
                                                    "built-in model is in use: %s"),
                                                  error->message);

      dl_window_show_toast (self, message);
    }
}

/* A close asked for while training waits for the worker to stop. */
static void
on_training_running (DlWindow *self)
{
  if (self->close_after_training &&
      !dl_training_get_running (dl_session_get_training (self->session)))
    gtk_window_destroy (GTK_WINDOW (self));
}

static void
dl_window_dispose (GObject *object)
{
  DlWindow *self = DL_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  _dl_window_dispose_toasts (self);
  _dl_window_dialogs_dispose (self);
  _dl_window_files_dispose (self);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (dl_session_get_training (self->session), self);
  /* the window's dispose takes its content, the pages with it; then the session can go */
  G_OBJECT_CLASS (dl_window_parent_class)->dispose (object);
  g_clear_object (&self->session);
}

static void
dl_window_finalize (GObject *object)
{
  DlWindow *self = DL_WINDOW (object);

  g_free (self->last_toast);
  g_free (self->figure_id);
  g_free (self->figure_title);
  G_OBJECT_CLASS (dl_window_parent_class)->finalize (object);
}

static void
dl_window_class_init (DlWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dl_window_dispose;
  object_class->finalize = dl_window_finalize;
  GTK_WINDOW_CLASS (klass)->close_request = _dl_window_close_request;

  /* keeps the resources linked in from the static library */
  g_resources_register (dl_get_resource ());
  for (size_t i = 0; i < G_N_ELEMENTS (page_types); i++)
    g_type_ensure (page_types[i] ());
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH "dl-window.ui");
  gtk_widget_class_bind_template_child (widget_class, DlWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, DlWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, DlWindow, narrow_bar);
  gtk_widget_class_bind_template_child (widget_class, DlWindow, switcher_title);
  _dl_window_class_actions_init (widget_class);
}

static void
dl_window_init (DlWindow *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnModel) model = NULL;
  g_autoptr(GPtrArray) pages = NULL;

  self->session = dl_session_new ();
  self->cancellable = g_cancellable_new ();
  self->figure_width = 1200;
  self->figure_height = 900;
  self->figure_format = DL_FIGURE_FORMAT_PNG;
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_swapped (self->toast_overlay, "unmap", G_CALLBACK (on_overlay_unmap), self);
  add_pages (self);
  fill_narrow_bar (self);
  dl_accessible_name_buttons (GTK_WIDGET (self));
  /* the application sets the Keyboard Shortcuts window when the window joins it */
  g_signal_connect (self, "notify::application", G_CALLBACK (on_help_overlay), NULL);

  self->settings = g_settings_new (APP_ID);
  g_settings_bind (self->settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-height", self, "default-height",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);

  model = load_bundled_model (&error);
  if (model == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("The built-in model could not be loaded: %s"),
                                                  error->message);

      dl_window_show_toast (self, message);
    }
  else
    /* Translators: where the model in use came from */
    dl_session_set_model (self->session, model, _("Built-in model"));

  pages = list_pages (self);
  for (guint i = 0; i < pages->len; i++)
    dl_page_set_session (pages->pdata[i], self->session);
  g_signal_connect_swapped (dl_session_get_training (self->session), "notify::running",
                            G_CALLBACK (on_training_running), self);
  _dl_window_actions_init (self);
  _dl_window_files_init (self);
  dl_session_restore_model_async (self->session, self->cancellable, on_model_restored, self);
}

DlWindow *
dl_window_new (AdwApplication *app)
{
  return g_object_new (DL_TYPE_WINDOW, "application", app, NULL);
}
