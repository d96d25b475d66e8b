/* dl-window.h: the main window */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "dl-draw-page.h"
#include "dl-figure.h"
#include "dl-dataset-page.h"
#include "dl-evaluate-page.h"
#include "dl-explore-page.h"
#include "dl-train-page.h"

G_BEGIN_DECLS

#define DL_TYPE_WINDOW (dl_window_get_type ())
G_DECLARE_FINAL_TYPE (DlWindow, dl_window, DL, WINDOW, AdwApplicationWindow)

DlWindow   *dl_window_new            (AdwApplication *app);
/* The keys of the windows' actions, set once on the application (Alt+1… for the pages). */
void        dl_window_set_accels     (GtkApplication *app);
DlDrawPage *dl_window_get_draw_page  (DlWindow       *self);
void        dl_window_show_toast     (DlWindow       *self,
                                      const char     *message);
/* Shows a toast (taking it), after those before it unless its priority is high; one at a time,
 * each once the one before has slid out. */
void        dl_window_add_toast      (DlWindow       *self,
                                      AdwToast       *toast);
/* Dismisses a toast added, shown or still waiting ("dismissed" is emitted either way). */
void        dl_window_dismiss_toast  (DlWindow       *self,
                                      AdwToast       *toast);
/* Classifies an image file on the Draw page, read on a worker after any file opened before it;
 * errors become a toast and leave the page as it was. */
void        dl_window_open_image     (DlWindow       *self,
                                      GFile          *file);
/* A model (a folder, a .safetensors file, a config.json) or else an image, as above: what Open
 * With and dropped files go through. */
void        dl_window_open_file      (DlWindow       *self,
                                      GFile          *file);
/* The model every page uses (borrowed), or NULL. */
NnModel    *dl_window_get_model      (DlWindow       *self);
DlTrainPage *dl_window_get_train_page (DlWindow      *self);
DlEvaluatePage *dl_window_get_evaluate_page (DlWindow *self);
DlDatasetPage *dl_window_get_dataset_page (DlWindow *self);
DlExplorePage *dl_window_get_explore_page (DlWindow *self);
/* Loads a model (its folder, or its weights file alone) and makes it the one every page uses;
 * on failure the model in use stays. Reads on the calling thread. */
gboolean    dl_window_open_model     (DlWindow       *self,
                                      const char     *path,
                                      GError        **error);
/* The same for a folder or a weights file chosen by the user, read on a worker; a toast says how
 * it went, and a file that is not a model leaves the one in use. */
void        dl_window_open_model_file (DlWindow      *self,
                                       GFile         *file);
/* Evaluates the current model on a worker, then writes the Hub folder; a toast reports. */
gboolean    dl_window_export         (DlWindow       *self,
                                      const char     *dir,
                                      GError        **error);
/* What Export Figure… writes, without its dialogs: the visible page's figure with this id
 * (DlPageFigure.id) through dl_figure_export (); a figure the page cannot export now (nothing
 * selected, nothing trained) is an error that says why. */
gboolean    dl_window_export_figure  (DlWindow       *self,
                                      const char     *id,
                                      const char     *title,
                                      DlFigureFormat  format,
                                      int             width,
                                      int             height,
                                      const char     *path,
                                      GError        **error);
/* What Open Dataset Folder… does with the folder chosen: read on a worker; a folder that is not
 * a dataset is a toast and leaves the dataset in use. */
void        dl_window_open_dataset_folder (DlWindow  *self,
                                           GFile     *file);
/* Takes ownership of dataset. */
void        dl_window_set_dataset    (DlWindow       *self,
                                      NnDataset      *dataset);

G_END_DECLS
