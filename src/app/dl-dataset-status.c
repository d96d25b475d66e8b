/* dl-dataset-status.c: one status page for every data page; its buttons are window actions */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "dl-dataset-status.h"

#include <glib/gi18n.h>

#include "dl-accessible.h"
#include "dl-session.h"
#include <math.h>

struct _DlDatasetStatus
{
  AdwBin          parent_instance;

  AdwStatusPage  *status_page;
  GtkWidget      *fashion_button;
  GtkStack       *fetch_stack;
  GtkWidget      *size_label;
  GtkWidget      *fetch_box;
  GtkProgressBar *fetch_progress;
  GtkLabel       *error_label;

  GBindingGroup  *session_bindings;   /* the download, as the session tells it */
  gboolean        fashion_available;
  double          progress;           /* negative: no download */
  char           *progress_text;
  char           *error;
  char           *error_details;
};

G_DEFINE_FINAL_TYPE (DlDatasetStatus, dl_dataset_status, ADW_TYPE_BIN)

enum
{
  PROP_0,
  PROP_DESCRIPTION,
  PROP_FASHION_AVAILABLE,
  PROP_PROGRESS,
  PROP_PROGRESS_TEXT,
  PROP_ERROR,
  PROP_ERROR_DETAILS,
  PROP_SESSION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* TRUE when the value changed; g_set_str () needs GLib 2.76 */
static gboolean
replace_string (char       **dest,
                const char  *value)
{
  if (g_strcmp0 (*dest, value) == 0)
    return FALSE;
  g_free (*dest);
  *dest = g_strdup (value);
  return TRUE;
}

const char *
dl_dataset_status_get_description (DlDatasetStatus *self)
{
  g_return_val_if_fail (DL_IS_DATASET_STATUS (self), NULL);
  return adw_status_page_get_description (self->status_page);
}

void
dl_dataset_status_set_description (DlDatasetStatus *self,
                                   const char      *description)
{
  g_return_if_fail (DL_IS_DATASET_STATUS (self));

  if (g_strcmp0 (description, adw_status_page_get_description (self->status_page)) == 0)
    return;
  adw_status_page_set_description (self->status_page, description);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DESCRIPTION]);
}

gboolean
dl_dataset_status_get_fashion_available (DlDatasetStatus *self)
{
  g_return_val_if_fail (DL_IS_DATASET_STATUS (self), FALSE);
  return self->fashion_available;
}

void
dl_dataset_status_set_fashion_available (DlDatasetStatus *self,
                                         gboolean         available)
{
  g_return_if_fail (DL_IS_DATASET_STATUS (self));

  available = !!available;
  if (self->fashion_available == available)
    return;
  self->fashion_available = available;
  gtk_widget_set_visible (self->fashion_button, available);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FASHION_AVAILABLE]);
}

double
dl_dataset_status_get_progress (DlDatasetStatus *self)
{
  g_return_val_if_fail (DL_IS_DATASET_STATUS (self), -1);
  return self->progress;
}

const char *
dl_dataset_status_get_progress_text (DlDatasetStatus *self)
{
  g_return_val_if_fail (DL_IS_DATASET_STATUS (self), NULL);
  return self->progress_text;
}

void
dl_dataset_status_set_progress (DlDatasetStatus *self,
                                double           fraction,
                                const char      *text)
{
  g_return_if_fail (DL_IS_DATASET_STATUS (self));

  if (isnan (fraction) || fraction < 0)
    {
      fraction = -1;
      text = NULL;
    }
  fraction = MIN (fraction, 1.0);
  gtk_stack_set_visible_child (self->fetch_stack,
                               fraction >= 0 ? self->fetch_box : self->size_label);
  gtk_progress_bar_set_fraction (self->fetch_progress, MAX (fraction, 0));
  gtk_progress_bar_set_text (self->fetch_progress, text);
  if (self->progress != fraction)
    {
      self->progress = fraction;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS]);
    }
  if (replace_string (&self->progress_text, text))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS_TEXT]);
}

const char *
dl_dataset_status_get_error_details (DlDatasetStatus *self)
{
  g_return_val_if_fail (DL_IS_DATASET_STATUS (self), NULL);
  return self->error_details;
}

void
dl_dataset_status_set_error_details (DlDatasetStatus *self,
                                     const char      *details)
{
  g_return_if_fail (DL_IS_DATASET_STATUS (self));

  if (details != NULL && details[0] == '\0')
    details = NULL;
  if (!replace_string (&self->error_details, details))
    return;
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->error_label), details);
  if (details != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->error_label),
                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, details, -1);
  else
    gtk_accessible_reset_property (GTK_ACCESSIBLE (self->error_label),
                                   GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR_DETAILS]);
}

const char *
dl_dataset_status_get_error (DlDatasetStatus *self)
{
  g_return_val_if_fail (DL_IS_DATASET_STATUS (self), NULL);
  return self->error;
}

void
dl_dataset_status_set_error (DlDatasetStatus *self,
                             const char      *message)
{
  g_return_if_fail (DL_IS_DATASET_STATUS (self));

  if (message != NULL && message[0] == '\0')
    message = NULL;
  if (!replace_string (&self->error, message))
    return;
  gtk_label_set_label (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
}

static void
dl_dataset_status_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  DlDatasetStatus *self = DL_DATASET_STATUS (object);

  switch (prop_id)
    {
    case PROP_DESCRIPTION:
      g_value_set_string (value, dl_dataset_status_get_description (self));
      break;
    case PROP_FASHION_AVAILABLE:
      g_value_set_boolean (value, self->fashion_available);
      break;
    case PROP_PROGRESS:
      g_value_set_double (value, self->progress);
      break;
    case PROP_PROGRESS_TEXT:
      g_value_set_string (value, self->progress_text);
      break;
    case PROP_ERROR:
      g_value_set_string (value, self->error);
      break;
    case PROP_ERROR_DETAILS:
      g_value_set_string (value, self->error_details);
      break;
    case PROP_SESSION:
      g_value_take_object (value, g_binding_group_dup_source (self->session_bindings));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_dataset_status_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  DlDatasetStatus *self = DL_DATASET_STATUS (object);

  switch (prop_id)
    {
    case PROP_DESCRIPTION:
      dl_dataset_status_set_description (self, g_value_get_string (value));
      break;
    case PROP_FASHION_AVAILABLE:
      dl_dataset_status_set_fashion_available (self, g_value_get_boolean (value));
      break;
    case PROP_PROGRESS:
      dl_dataset_status_set_progress (self, g_value_get_double (value), self->progress_text);
      break;
    case PROP_PROGRESS_TEXT:
      dl_dataset_status_set_progress (self, self->progress, g_value_get_string (value));
      break;
    case PROP_ERROR:
      dl_dataset_status_set_error (self, g_value_get_string (value));
      break;
    case PROP_ERROR_DETAILS:
      dl_dataset_status_set_error_details (self, g_value_get_string (value));
      break;
    case PROP_SESSION:
      dl_dataset_status_set_session (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_dataset_status_finalize (GObject *object)
{
  DlDatasetStatus *self = DL_DATASET_STATUS (object);

  g_clear_object (&self->session_bindings);
  g_free (self->progress_text);
  g_free (self->error);
  g_free (self->error_details);
  G_OBJECT_CLASS (dl_dataset_status_parent_class)->finalize (object);
}

static void
dl_dataset_status_class_init (DlDatasetStatusClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = dl_dataset_status_get_property;
  object_class->set_property = dl_dataset_status_set_property;
  object_class->finalize = dl_dataset_status_finalize;

  properties[PROP_DESCRIPTION] = g_param_spec_string ("description", NULL, NULL, NULL, flags);
  properties[PROP_FASHION_AVAILABLE] = g_param_spec_boolean ("fashion-available", NULL, NULL,
                                                             FALSE, flags);
  properties[PROP_PROGRESS] = g_param_spec_double ("progress", NULL, NULL, -1, 1, -1, flags);
  properties[PROP_PROGRESS_TEXT] = g_param_spec_string ("progress-text", NULL, NULL, NULL, flags);
  properties[PROP_ERROR] = g_param_spec_string ("error", NULL, NULL, NULL, flags);
  properties[PROP_ERROR_DETAILS] = g_param_spec_string ("error-details", NULL, NULL, NULL, flags);
  properties[PROP_SESSION] = g_param_spec_object ("session", NULL, NULL, DL_TYPE_SESSION, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/digitlab/DigitLab/dl-dataset-status.ui");
  gtk_widget_class_bind_template_child (widget_class, DlDatasetStatus, status_page);
  gtk_widget_class_bind_template_child (widget_class, DlDatasetStatus, fashion_button);
  gtk_widget_class_bind_template_child (widget_class, DlDatasetStatus, fetch_stack);
  gtk_widget_class_bind_template_child (widget_class, DlDatasetStatus, size_label);
  gtk_widget_class_bind_template_child (widget_class, DlDatasetStatus, fetch_box);
  gtk_widget_class_bind_template_child (widget_class, DlDatasetStatus, fetch_progress);
  gtk_widget_class_bind_template_child (widget_class, DlDatasetStatus, error_label);
}

static void
dl_dataset_status_init (DlDatasetStatus *self)
{
  self->progress = -1;
  gtk_widget_init_template (GTK_WIDGET (self));
  self->session_bindings = g_binding_group_new ();
  g_binding_group_bind (self->session_bindings, "fashion-available", self, "fashion-available",
                        G_BINDING_SYNC_CREATE);
  g_binding_group_bind (self->session_bindings, "download-text", self, "progress-text",
                        G_BINDING_SYNC_CREATE);
  g_binding_group_bind (self->session_bindings, "download-fraction", self, "progress",
                        G_BINDING_SYNC_CREATE);
  g_binding_group_bind (self->session_bindings, "download-error-details", self, "error-details",
                        G_BINDING_SYNC_CREATE);
  g_binding_group_bind (self->session_bindings, "download-error", self, "error",
                        G_BINDING_SYNC_CREATE);
  dl_accessible_name_buttons (GTK_WIDGET (self));
}

DlSession *
dl_dataset_status_get_session (DlDatasetStatus *self)
{
  g_autoptr(DlSession) session = NULL;

  g_return_val_if_fail (DL_IS_DATASET_STATUS (self), NULL);
  session = g_binding_group_dup_source (self->session_bindings);
  /* the binding group holds it weakly; whoever set it keeps it alive */
  return session;
}

void
dl_dataset_status_set_session (DlDatasetStatus *self,
                               DlSession       *session)
{
  g_return_if_fail (DL_IS_DATASET_STATUS (self));
  g_return_if_fail (session == NULL || DL_IS_SESSION (session));

  if (dl_dataset_status_get_session (self) == session)
    return;
  g_binding_group_set_source (self->session_bindings, session);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}

GtkWidget *
dl_dataset_status_new (void)
{
  return g_object_new (DL_TYPE_DATASET_STATUS, NULL);
}
