/* dl-page.h: what every page of the window answers, so the window iterates pages, never names them */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "dl-dataset-status.h"
#include "dl-figure.h"
#include "dl-session.h"

G_BEGIN_DECLS

#define DL_TYPE_PAGE (dl_page_get_type ())
G_DECLARE_INTERFACE (DlPage, dl_page, DL, PAGE, GtkWidget)

/* A figure Export Figure can write. */
typedef struct
{
  char     *id;           /* stable, for files and tests: "loss", "confusion-matrix" … */
  char     *name;         /* for people, translated; the default title of the exported figure */
  DlFigure *figure;       /* a reference: a widget of the page or an object made for export */
  char     *unavailable;  /* NULL, or a translated sentence why it cannot be exported now
                           * ("Select an image first …"); Export Figure shows it, writes nothing */
} DlPageFigure;

void dl_page_figure_free (DlPageFigure *figure);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlPageFigure, dl_page_figure_free)

struct _DlPageInterface
{
  GTypeInterface parent_iface;

  /* What the window's view switcher shows for the page, set in its iface_init: */
  const char       *name;       /* the stack's page name, as win.show-page takes it */
  const char       *title;      /* marked with N_(), with its access key; translated when shown */
  const char       *icon_name;

  /* Appends DlPageFigure items through dl_page_add_figure (), the page's main figure first (the
   * one Export Figure proposes): every chart the page shows, each with its own id. */
  void              (*list_figures) (DlPage    *self,
                                     GPtrArray *figures);
  /* What the page shows while there is no dataset; NULL for pages that need none. */
  DlDatasetStatus * (*get_status)   (DlPage    *self);
};

/* The "session" property: every page has one; it binds to it, nobody pushes state into it. */
DlSession       *dl_page_get_session  (DlPage     *self);
void             dl_page_set_session  (DlPage     *self,
                                       DlSession  *session);
/* For implementations, all a page does about its "session" property: class_init calls
 * dl_page_class_install_session () with the property's id and where the instance keeps its
 * DlSession *; the property's get and set are done here. A new session drops the page's handlers
 * on the one before, takes a reference and calls follow (self, old) with the one before (or
 * NULL) still alive, for the page to leave what else it followed (the old session's training)
 * and, when the new one is not NULL, to connect to it and show its state; then "session" is
 * notified. Pages have no other properties. */
typedef void (*DlPageFollowFunc) (gpointer   self,
                                  DlSession *old_session);

void             dl_page_class_install_session (GObjectClass     *object_class,
                                                guint             prop_id,
                                                gsize             session_offset,
                                                DlPageFollowFunc  follow);

/* Name, translated title (with its access key) and icon, as the page type gives them. */
const char      *dl_page_get_name      (DlPage    *self);
const char      *dl_page_get_title     (DlPage    *self);
const char      *dl_page_get_icon_name (DlPage    *self);
/* Makes the page the one its stack shows. */
void             dl_page_present       (DlPage    *self);
/* DlPageFigure items, main one first; empty for a page without figures. */
GPtrArray       *dl_page_list_figures (DlPage     *self);
DlDatasetStatus *dl_page_get_status   (DlPage     *self);

/* The figure with this id, or NULL; an owned item. */
DlPageFigure    *dl_page_find_figure  (DlPage     *self,
                                       const char *id);

/* For implementations' list_figures: figure is any object that implements DlFigure (a widget
 * of the page, or an object made on the spot). Returns the item, owned by figures. */
DlPageFigure    *dl_page_add_figure   (GPtrArray  *figures,
                                       const char *id,
                                       const char *name,
                                       gpointer    figure);
/* Marks a listed figure as one that cannot be exported now, and says why. */
void             dl_page_figure_set_unavailable (DlPageFigure *item,
                                                 const char   *reason);

G_END_DECLS
