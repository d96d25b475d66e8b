/* dl-inside-page.h: inside the network — filters, activations, saliency, occlusion and the
 * nearest training images for the session's current input */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define DL_TYPE_INSIDE_PAGE (dl_inside_page_get_type ())
G_DECLARE_FINAL_TYPE (DlInsidePage, dl_inside_page, DL, INSIDE_PAGE, AdwBin)

/* What the page shows, for tests and exports. Sections are the model's convolution, pooling
 * and dense layers in order (an activation right after one is shown as its output). */
guint        dl_inside_page_get_n_sections     (DlInsidePage *self);
/* The network layer (0-based) whose output section shows, and that output's shape. */
size_t       dl_inside_page_get_section_layer  (DlInsidePage *self,
                                                guint         section,
                                                size_t       *C,
                                                size_t       *H,
                                                size_t       *W);
/* The values behind the section's maps or bars (C × H × W), as last computed, or NULL. */
const float *dl_inside_page_get_section_values (DlInsidePage *self,
                                                guint         section);
/* The section's figures: maps (DlTileGrid) or bars (DlActivationBars); its filters, or NULL. */
GtkWidget   *dl_inside_page_get_section_view   (DlInsidePage *self,
                                                guint         section);
GtkWidget   *dl_inside_page_get_section_filters (DlInsidePage *self,
                                                 guint         section);
/* Shows channel c of a section's maps enlarged, as clicking it does. */
void         dl_inside_page_enlarge            (DlInsidePage *self,
                                                guint         section,
                                                guint         channel);
GtkWidget   *dl_inside_page_get_enlarged_view  (DlInsidePage *self,
                                                guint         section);

/* The class the saliency and occlusion maps are for (−1 before there is an input), and the
 * chosen one: −1 follows the prediction. */
int          dl_inside_page_get_class          (DlInsidePage *self);
void         dl_inside_page_choose_class       (DlInsidePage *self,
                                                int           klass);
int          dl_inside_page_get_prediction     (DlInsidePage *self);
GtkWidget   *dl_inside_page_get_saliency_view  (DlInsidePage *self);
GtkWidget   *dl_inside_page_get_occlusion_view (DlInsidePage *self);
GtkWidget   *dl_inside_page_get_neighbours_view (DlInsidePage *self);
/* The nearest training images as last found (n of them, their indices and distances). */
size_t       dl_inside_page_get_neighbours     (DlInsidePage *self,
                                                const guint **indices,
                                                const float **distances);
/* Whether the training images' embeddings are being computed, and whether they exist for the
 * model and dataset in use. */
gboolean     dl_inside_page_get_embedding      (DlInsidePage *self);
gboolean     dl_inside_page_has_embeddings     (DlInsidePage *self);
/* Whether every computation asked for so far has been applied. */
gboolean     dl_inside_page_is_idle            (DlInsidePage *self);
/* "no-model", "unfit" (a model whose input is not one 28 × 28 channel) or "content". */
const char  *dl_inside_page_get_view           (DlInsidePage *self);
/* What the status page says of an unfit model, or NULL. */
const char  *dl_inside_page_get_unfit          (DlInsidePage *self);
/* The first filters of the run in progress, or NULL while none runs. */
GtkWidget   *dl_inside_page_get_training_filters (DlInsidePage *self);
/* The last update's computing time in microseconds (the fast part: forward, saliency and the
 * nearest-image search), for figures. */
gint64       dl_inside_page_get_update_time    (DlInsidePage *self);
/* The page's own drawing canvas (a DlCanvas): its strokes become the session's input. */
GtkWidget   *dl_inside_page_get_canvas         (DlInsidePage *self);

G_END_DECLS
