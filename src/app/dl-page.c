/* dl-page.c: the page interface — a session property, figures for export, a status page */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "dl-page.h"

#include <glib/gi18n.h>

G_DEFINE_INTERFACE (DlPage, dl_page, GTK_TYPE_WIDGET)

void
dl_page_figure_free (DlPageFigure *figure)
{
  if (figure == NULL)
    return;
  g_free (figure->id);
  g_free (figure->name);
  g_clear_object (&figure->figure);
  g_free (figure->unavailable);
  g_free (figure);
}

static void
dl_page_default_init (DlPageInterface *iface)
{
  /* implementations override it (g_object_class_override_property) and follow its notify */
  g_object_interface_install_property (iface,
                                       g_param_spec_object ("session", NULL, NULL,
                                                            DL_TYPE_SESSION,
                                                            G_PARAM_READWRITE |
                                                            G_PARAM_EXPLICIT_NOTIFY |
                                                            G_PARAM_STATIC_STRINGS));
}

/* What dl_page_class_install_session () was told, kept on the page type */
typedef struct
{
  guint             prop_id;
  gsize             offset;
  DlPageFollowFunc  follow;
} SessionField;

G_DEFINE_QUARK (dl-page-session-field, session_field)

static const SessionField *
get_session_field (GObject *object)
{
  for (GType type = G_OBJECT_TYPE (object); type != 0; type = g_type_parent (type))
    {
      const SessionField *field = g_type_get_qdata (type, session_field_quark ());

      if (field != NULL)
        return field;
    }
  g_assert_not_reached ();
}

static void
page_get_property (GObject    *object,
                   guint       prop_id,
                   GValue     *value,
                   GParamSpec *pspec)
{
  const SessionField *field = get_session_field (object);

  if (prop_id == field->prop_id)
    g_value_set_object (value, G_STRUCT_MEMBER (DlSession *, object, field->offset));
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
page_set_property (GObject      *object,
                   guint         prop_id,
                   const GValue *value,
                   GParamSpec   *pspec)
{
  const SessionField *field = get_session_field (object);
  DlSession **slot = G_STRUCT_MEMBER_P (object, field->offset);
  DlSession *session = g_value_get_object (value);
  g_autoptr(DlSession) old = NULL;

  if (prop_id != field->prop_id)
    {
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }
  if (*slot == session)
    return;
  old = g_steal_pointer (slot);
  if (old != NULL)
    g_signal_handlers_disconnect_by_data (old, object);
  *slot = session != NULL ? g_object_ref (session) : NULL;
  if (field->follow != NULL)
    field->follow (object, old);
  g_object_notify (object, "session");
}

void
dl_page_class_install_session (GObjectClass     *object_class,
                               guint             prop_id,
                               gsize             session_offset,
                               DlPageFollowFunc  follow)
{
  SessionField *field = g_new0 (SessionField, 1);

  g_return_if_fail (G_IS_OBJECT_CLASS (object_class));

  field->prop_id = prop_id;
  field->offset = session_offset;
  field->follow = follow;
  /* one per page type, for the program's life */
  g_type_set_qdata (G_OBJECT_CLASS_TYPE (object_class), session_field_quark (), field);
  object_class->get_property = page_get_property;
  object_class->set_property = page_set_property;
  g_object_class_override_property (object_class, prop_id, "session");
}

DlSession *
dl_page_get_session (DlPage *self)
{
  g_autoptr(DlSession) session = NULL;

  g_return_val_if_fail (DL_IS_PAGE (self), NULL);
  g_object_get (self, "session", &session, NULL);
  /* the page holds its own reference */
  return session;
}

void
dl_page_set_session (DlPage    *self,
                     DlSession *session)
{
  g_return_if_fail (DL_IS_PAGE (self));
  g_return_if_fail (session == NULL || DL_IS_SESSION (session));
  g_object_set (self, "session", session, NULL);
}

const char *
dl_page_get_name (DlPage *self)
{
  g_return_val_if_fail (DL_IS_PAGE (self), NULL);
  return DL_PAGE_GET_IFACE (self)->name;
}

const char *
dl_page_get_title (DlPage *self)
{
  const char *title;

  g_return_val_if_fail (DL_IS_PAGE (self), NULL);
  title = DL_PAGE_GET_IFACE (self)->title;
  return title != NULL ? _(title) : NULL;
}

const char *
dl_page_get_icon_name (DlPage *self)
{
  g_return_val_if_fail (DL_IS_PAGE (self), NULL);
  return DL_PAGE_GET_IFACE (self)->icon_name;
}

void
dl_page_present (DlPage *self)
{
  GtkWidget *parent;

  g_return_if_fail (DL_IS_PAGE (self));
  parent = gtk_widget_get_parent (GTK_WIDGET (self));
  while (parent != NULL && !ADW_IS_VIEW_STACK (parent))
    parent = gtk_widget_get_parent (parent);
  if (parent != NULL)
    adw_view_stack_set_visible_child (ADW_VIEW_STACK (parent), GTK_WIDGET (self));
}

DlPageFigure *
dl_page_add_figure (GPtrArray  *figures,
                    const char *id,
                    const char *name,
                    gpointer    figure)
{
  DlPageFigure *item;

  g_return_val_if_fail (figures != NULL, NULL);
  g_return_val_if_fail (id != NULL && name != NULL, NULL);
  g_return_val_if_fail (DL_IS_FIGURE (figure), NULL);

  item = g_new0 (DlPageFigure, 1);
  item->id = g_strdup (id);
  item->name = g_strdup (name);
  item->figure = g_object_ref (DL_FIGURE (figure));
  g_ptr_array_add (figures, item);
  return item;
}

void
dl_page_figure_set_unavailable (DlPageFigure *item,
                                const char   *reason)
{
  g_return_if_fail (item != NULL);
  g_free (item->unavailable);
  item->unavailable = g_strdup (reason);
}

DlPageFigure *
dl_page_find_figure (DlPage     *self,
                     const char *id)
{
  g_autoptr(GPtrArray) figures = NULL;

  g_return_val_if_fail (DL_IS_PAGE (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);
  figures = dl_page_list_figures (self);
  for (guint i = 0; i < figures->len; i++)
    {
      DlPageFigure *item = figures->pdata[i];

      if (g_strcmp0 (item->id, id) == 0)
        return g_ptr_array_steal_index (figures, i);
    }
  return NULL;
}

GPtrArray *
dl_page_list_figures (DlPage *self)
{
  GPtrArray *figures = g_ptr_array_new_with_free_func ((GDestroyNotify) dl_page_figure_free);
  DlPageInterface *iface;

  g_return_val_if_fail (DL_IS_PAGE (self), figures);
  iface = DL_PAGE_GET_IFACE (self);
  if (iface->list_figures != NULL)
    iface->list_figures (self, figures);
  return figures;
}

DlDatasetStatus *
dl_page_get_status (DlPage *self)
{
  DlPageInterface *iface;

  g_return_val_if_fail (DL_IS_PAGE (self), NULL);
  iface = DL_PAGE_GET_IFACE (self);
  return iface->get_status != NULL ? iface->get_status (self) : NULL;
}
