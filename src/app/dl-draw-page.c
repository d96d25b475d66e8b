/* dl-draw-page.c: canvas → MNIST preprocessing → network → bars, on every stroke */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "dl-draw-page.h"

#include "dl-page.h"

#include <glib/gi18n.h>

#include "dl-canvas.h"
#include "dl-digit-view.h"
#include "dl-probability-chart.h"
#include "nn-metrics.h"
#include "nn-png.h"
#include "nn-preprocess.h"

struct _DlDrawPage
{
  AdwBin              parent_instance;

  DlSession          *session;

  DlCanvas           *canvas;
  DlDigitView        *digit_view;
  DlProbabilityChart *chart;
  GtkLabel           *prediction_label;
  GtkLabel           *confidence_label;
  GtkLabel           *source_label;
  GtkDropDown        *pen_dropdown;
  GSettings          *settings;
  GtkWidget          *unfit_box;
  GtkLabel           *unfit_label;

  NnModel            *model;           /* borrowed from the window */
  GError             *unfit;           /* why the model cannot take drawings, or NULL */
  int                 prediction;
};

static void dl_draw_page_page_iface_init (DlPageInterface *iface);
static void dl_draw_page_follow_session (DlDrawPage *self,
                                         DlSession  *old_session);
static void dl_draw_page_dispose      (GObject      *object);

G_DEFINE_FINAL_TYPE_WITH_CODE (DlDrawPage, dl_draw_page, ADW_TYPE_BIN,
                               G_IMPLEMENT_INTERFACE (DL_TYPE_PAGE, dl_draw_page_page_iface_init))

enum
{
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

static void
show_prediction (DlDrawPage  *self,
                 const float *image)      /* (28, 28) or NULL when there is nothing */
{
  g_autofree float *probs = NULL;         /* (n_classes) */
  size_t best;
  g_autofree char *confidence = NULL;
  g_autofree char *announcement = NULL;

  dl_digit_view_set_image (self->digit_view, image);
  if (image == NULL || self->model == NULL || self->unfit != NULL)
    {
      self->prediction = -1;
      gtk_label_set_label (self->prediction_label, "?");
      gtk_widget_add_css_class (GTK_WIDGET (self->prediction_label), "dim-label");
      gtk_label_set_label (self->confidence_label,
                           self->model == NULL ? _("No model loaded")
                           : self->unfit != NULL ? _("This model cannot classify drawings")
                           : _("Draw a digit"));
      dl_probability_chart_set_probs (self->chart, NULL, NULL, 0);
      dl_canvas_announce (self->canvas, NULL);
      return;
    }
  probs = g_new (float, self->model->n_classes);
  nn_model_predict_image (self->model, image, probs);
  best = nn_argmax (probs, self->model->n_classes);
  self->prediction = (int) best;
  gtk_label_set_label (self->prediction_label, self->model->class_names[best]);
  gtk_widget_remove_css_class (GTK_WIDGET (self->prediction_label), "dim-label");
  /* Translators: how sure the network is of its prediction */
  confidence = g_strdup_printf (_("%.1f%% sure"), 100 * probs[best]);
  gtk_label_set_label (self->confidence_label, confidence);
  dl_probability_chart_set_probs (self->chart, probs,
                                  (const char *const *) self->model->class_names,
                                  self->model->n_classes);
  /* screen readers hear the new prediction */
  /* Translators: the canvas for screen readers: the class it looks like, and how sure */
  announcement = g_strdup_printf (_("Looks like %s, %.1f%% sure"), self->model->class_names[best],
                                  100 * probs[best]);
  dl_canvas_announce (self->canvas, announcement);
}

/* Which file the prediction is of, under it; NULL for a drawing. */
static void
show_source (DlDrawPage *self,
             const char *name)
{
  g_autofree char *text = NULL;

  if (name != NULL)
    /* Translators: under the prediction of a picture opened with Open Image… */
    text = g_strdup_printf (_("From %s"), name);
  gtk_label_set_label (self->source_label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->source_label), text != NULL);
}

/* The drawing becomes the session's input (what the Inside page explains); an empty canvas
 * takes its drawing away, but not an image chosen elsewhere since. */
static void
publish_input (DlDrawPage  *self,
               DlInputSource source,
               const float *image)      /* (28, 28) or NULL */
{
  DlInput *current;

  if (self->session == NULL)
    return;
  current = dl_session_get_input (self->session);
  if (image != NULL)
    {
      g_autoptr(DlInput) input = dl_input_new (source, image, NN_PREPROCESS_SIZE,
                                               NN_PREPROCESS_SIZE);

      dl_session_set_input (self->session, input);
    }
  else if (current != NULL && current->source == DL_INPUT_DRAWING)
    dl_session_set_input (self->session, NULL);
}

/* Returns whether the canvas gave an image, which is then in image. */
static gboolean
update_from_canvas (DlDrawPage *self,
                    float      *image)      /* (28, 28) */
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "draw.undo", dl_canvas_can_undo (self->canvas));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "draw.clear",
                                 !dl_canvas_is_empty (self->canvas));

  /* a drawing replaces the opened picture */
  show_source (self, NULL);
  if (!dl_canvas_render_digit (self->canvas, image))
    {
      show_prediction (self, NULL);
      return FALSE;
    }
  show_prediction (self, image);
  return TRUE;
}

static void
on_canvas_changed (DlDrawPage *self)
{
  float image[NN_PREPROCESS_SIZE * NN_PREPROCESS_SIZE];

  publish_input (self, DL_INPUT_DRAWING, update_from_canvas (self, image) ? image : NULL);
}

gboolean
dl_draw_page_classify_pixels (DlDrawPage    *self,
                              const guint8  *gray,
                              size_t         width,
                              size_t         height,
                              GError       **error)
{
  float image[NN_PREPROCESS_SIZE * NN_PREPROCESS_SIZE];

  g_return_val_if_fail (DL_IS_DRAW_PAGE (self), FALSE);
  g_return_val_if_fail (gray != NULL, FALSE);

  /* nothing changes on the page unless the picture can be classified */
  if (self->model == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("No model is loaded"));
      return FALSE;
    }
  if (self->unfit != NULL)
    {
      g_propagate_error (error, g_error_copy (self->unfit));
      return FALSE;
    }
  if (!nn_preprocess_digit (image, gray, width, height, width, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The picture has no ink to classify"));
      return FALSE;
    }
  dl_canvas_clear (self->canvas);
  show_prediction (self, image);
  publish_input (self, DL_INPUT_FILE, image);
  return TRUE;
}

gboolean
dl_draw_page_classify_file (DlDrawPage  *self,
                            const char  *path,
                            GError     **error)
{
  g_autofree guint8 *gray = NULL;
  size_t width, height;

  g_return_val_if_fail (DL_IS_DRAW_PAGE (self), FALSE);

  gray = nn_png_load_gray (path, &width, &height, error);
  if (gray == NULL)
    return FALSE;
  if (!dl_draw_page_classify_pixels (self, gray, width, height, error))
    return FALSE;
  {
    g_autofree char *base = g_path_get_basename (path);
    g_autofree char *name = g_filename_display_name (base);

    show_source (self, name);
  }
  return TRUE;
}

/* The canvas gives one channel of NN_PREPROCESS_SIZE²: a model that takes anything else is kept
 * by the window (it may suit a dataset) but draws no bars here. */
void
dl_draw_page_set_model (DlDrawPage *self,
                        NnModel    *model)
{
  g_return_if_fail (DL_IS_DRAW_PAGE (self));

  self->model = model;
  g_clear_error (&self->unfit);
  if (model != NULL)
    nn_model_check_input (model, 1, NN_PREPROCESS_SIZE, NN_PREPROCESS_SIZE, &self->unfit);
  if (self->unfit != NULL)
    {
      /* Translators: the Draw page with a model that takes other images; the engine's reason */
      g_autofree char *text = g_strdup_printf (_("This model cannot classify drawings or "
                                                 "pictures: %s"), self->unfit->message);

      gtk_label_set_label (self->unfit_label, text);
    }
  gtk_widget_set_visible (self->unfit_box, self->unfit != NULL);
  /* the classes of the new model, before anything is drawn; none when it cannot draw bars */
  {
    const char *const none[] = { NULL };
    gboolean usable = model != NULL && self->unfit == NULL;

    dl_probability_chart_set_probs (self->chart, NULL,
                                    usable ? (const char *const *) model->class_names : none,
                                    usable ? model->n_classes : 0);
  }
  {
    float image[NN_PREPROCESS_SIZE * NN_PREPROCESS_SIZE];

    update_from_canvas (self, image);
  }
}

const GError *
dl_draw_page_get_unfit (DlDrawPage *self)
{
  g_return_val_if_fail (DL_IS_DRAW_PAGE (self), NULL);
  return self->unfit;
}

int
dl_draw_page_get_prediction (DlDrawPage *self)
{
  g_return_val_if_fail (DL_IS_DRAW_PAGE (self), -1);
  return self->prediction;
}

GtkWidget *
dl_draw_page_get_canvas (DlDrawPage *self)
{
  g_return_val_if_fail (DL_IS_DRAW_PAGE (self), NULL);
  return GTK_WIDGET (self->canvas);
}

static void
undo_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  dl_canvas_undo (DL_DRAW_PAGE (widget)->canvas);
}

static void
clear_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  dl_canvas_clear (DL_DRAW_PAGE (widget)->canvas);
}

/* The pen widths the drop-down offers, as multiples of the default, in its order. */
static const struct
{
  const char *name;     /* the GSettings choice */
  double      scale;
} pens[] = {
  { "thin", 0.6 },
  { "medium", 1.0 },
  { "thick", 1.6 },
};

static void
on_pen_changed (DlDrawPage *self)
{
  guint i = gtk_drop_down_get_selected (self->pen_dropdown);

  if (i < G_N_ELEMENTS (pens))
    dl_canvas_set_pen_scale (self->canvas, pens[i].scale);
}

static gboolean
pen_name_to_index (GValue   *value,
                   GVariant *variant,
                   gpointer  user_data)
{
  const char *name = g_variant_get_string (variant, NULL);

  g_value_set_uint (value, 1);
  for (guint i = 0; i < G_N_ELEMENTS (pens); i++)
    if (g_strcmp0 (pens[i].name, name) == 0)
      g_value_set_uint (value, i);
  return TRUE;
}

static GVariant *
pen_index_to_name (const GValue       *value,
                   const GVariantType *type,
                   gpointer            user_data)
{
  guint i = g_value_get_uint (value);

  return g_variant_new_string (pens[i < G_N_ELEMENTS (pens) ? i : 1].name);
}

static void
dl_draw_page_finalize (GObject *object)
{
  g_clear_error (&DL_DRAW_PAGE (object)->unfit);
  G_OBJECT_CLASS (dl_draw_page_parent_class)->finalize (object);
}

static void
dl_draw_page_class_init (DlDrawPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dl_draw_page_dispose;
  dl_page_class_install_session (object_class, PROP_SESSION,
                                 G_STRUCT_OFFSET (DlDrawPage, session),
                                 (DlPageFollowFunc) dl_draw_page_follow_session);
  G_OBJECT_CLASS (klass)->finalize = dl_draw_page_finalize;
  g_type_ensure (DL_TYPE_CANVAS);
  g_type_ensure (DL_TYPE_DIGIT_VIEW);
  g_type_ensure (DL_TYPE_PROBABILITY_CHART);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/digitlab/DigitLab/dl-draw-page.ui");
  gtk_widget_class_bind_template_child (widget_class, DlDrawPage, canvas);
  gtk_widget_class_bind_template_child (widget_class, DlDrawPage, digit_view);
  gtk_widget_class_bind_template_child (widget_class, DlDrawPage, chart);
  gtk_widget_class_bind_template_child (widget_class, DlDrawPage, prediction_label);
  gtk_widget_class_bind_template_child (widget_class, DlDrawPage, confidence_label);
  gtk_widget_class_bind_template_child (widget_class, DlDrawPage, source_label);
  gtk_widget_class_bind_template_child (widget_class, DlDrawPage, pen_dropdown);
  gtk_widget_class_bind_template_child (widget_class, DlDrawPage, unfit_box);
  gtk_widget_class_bind_template_child (widget_class, DlDrawPage, unfit_label);
  gtk_widget_class_bind_template_callback (widget_class, on_canvas_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_pen_changed);

  gtk_widget_class_install_action (widget_class, "draw.undo", NULL, undo_action);
  gtk_widget_class_install_action (widget_class, "draw.clear", NULL, clear_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, GDK_CONTROL_MASK, "draw.undo",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "draw.clear", NULL);
}

static void
dl_draw_page_init (DlDrawPage *self)
{
  self->prediction = -1;
  gtk_widget_init_template (GTK_WIDGET (self));
  /* the pen width is kept between runs */
  self->settings = g_settings_new (APP_ID);
  g_settings_bind_with_mapping (self->settings, "pen-width", self->pen_dropdown, "selected",
                                G_SETTINGS_BIND_DEFAULT, pen_name_to_index, pen_index_to_name,
                                NULL, NULL);
  on_pen_changed (self);
  /* the drop-down's own button is what screen readers reach: it gets the name too */
  gtk_accessible_update_property (GTK_ACCESSIBLE (gtk_widget_get_first_child (GTK_WIDGET (self->pen_dropdown))),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Pen width"), -1);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "draw.undo", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "draw.clear", FALSE);
}

GtkWidget *
dl_draw_page_get_figure (DlDrawPage *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return GTK_WIDGET (self->chart);
}

static void
on_session_model (DlDrawPage *self)
{
  dl_draw_page_set_model (self, dl_session_get_model (self->session));
}

/* Follows the session: everything the page shows of the shared state comes from its notify. */
static void
dl_draw_page_follow_session (DlDrawPage *self,
                             DlSession  *old_session)
{
  DlSession *session = self->session;

  if (session == NULL)
    return;
  g_signal_connect_swapped (session, "notify::model", G_CALLBACK (on_session_model), self);
  on_session_model (self);
}

static void
dl_draw_page_list_figures (DlPage    *page,
                           GPtrArray *figures)
{
  DlDrawPage *self = DL_DRAW_PAGE (page);
  GtkWidget *chart = dl_draw_page_get_figure (self);
  DlPageFigure *item;

  item = dl_page_add_figure (figures, "probabilities", _("Class probabilities"), chart);
  if (!dl_figure_has_data (DL_FIGURE (chart)))
    dl_page_figure_set_unavailable (item, _("There is no prediction yet: draw a digit or open "
                                            "an image first."));
}

static void
dl_draw_page_dispose (GObject *object)
{
  dl_page_set_session (DL_PAGE (object), NULL);
  g_clear_object (&DL_DRAW_PAGE (object)->settings);
  G_OBJECT_CLASS (dl_draw_page_parent_class)->dispose (object);
}

static void
dl_draw_page_page_iface_init (DlPageInterface *iface)
{
  iface->name = "draw";
  iface->title = N_("_Draw");
  iface->icon_name = "document-edit-symbolic";
  iface->list_figures = dl_draw_page_list_figures;
}
