/* dl-canvas.c: strokes kept as points, drawn smooth with Cairo, rendered again for the network */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "dl-canvas.h"
#include "nn-preprocess.h"

#include <glib/gi18n.h>
#include <math.h>

/* A stroke width of 1/14 of the canvas matches MNIST's pen at 28×28: two pixels. */
#define BASE_WIDTH (1.0 / 14.0)

typedef struct
{
  double x, y, width;
} Point;

struct _DlCanvas
{
  GtkWidget  parent_instance;

  GPtrArray *strokes;          /* GArray of Point, each */
  GArray    *current;          /* the stroke being drawn, or NULL */
  double     pen_pressure;     /* last stylus pressure, or −1 for no stylus */
  double     pen_scale;        /* the chosen pen width, times the mouse's */
  int        size;             /* a fixed side in pixels, or 0 to grow with the space given */
  char      *announcement;     /* the accessible description */
};

G_DEFINE_FINAL_TYPE (DlCanvas, dl_canvas, GTK_TYPE_WIDGET)

enum
{
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

void
dl_canvas_set_pen_scale (DlCanvas *self,
                         double    scale)
{
  g_return_if_fail (DL_IS_CANVAS (self));
  self->pen_scale = CLAMP (scale, 0.25, 4.0);
}

double
dl_canvas_get_pen_scale (DlCanvas *self)
{
  g_return_val_if_fail (DL_IS_CANVAS (self), 1);
  return self->pen_scale;
}

double
dl_canvas_width_for_pressure (double pressure)
{
  if (pressure < 0 || isnan (pressure))
    return BASE_WIDTH;
  /* light touches draw thin, full pressure about twice the mouse's width */
  return BASE_WIDTH * (0.4 + 1.6 * CLAMP (pressure, 0.0, 1.0));
}

static void
emit_changed (DlCanvas *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, signals[CHANGED], 0);
}

void
dl_canvas_begin_stroke (DlCanvas *self,
                        double    x,
                        double    y,
                        double    pressure)
{
  Point p = { x, y, self->pen_scale * dl_canvas_width_for_pressure (pressure) };

  g_return_if_fail (DL_IS_CANVAS (self));

  if (self->current != NULL)
    dl_canvas_end_stroke (self);
  self->current = g_array_new (FALSE, FALSE, sizeof (Point));
  g_array_append_val (self->current, p);
  g_ptr_array_add (self->strokes, self->current);
  emit_changed (self);
}

void
dl_canvas_extend_stroke (DlCanvas *self,
                         double    x,
                         double    y,
                         double    pressure)
{
  Point p = { x, y, self->pen_scale * dl_canvas_width_for_pressure (pressure) };

  g_return_if_fail (DL_IS_CANVAS (self));

  if (self->current == NULL)
    {
      dl_canvas_begin_stroke (self, x, y, pressure);
      return;
    }
  g_array_append_val (self->current, p);
  emit_changed (self);
}

void
dl_canvas_end_stroke (DlCanvas *self)
{
  g_return_if_fail (DL_IS_CANVAS (self));
  self->current = NULL;
}

void
dl_canvas_announce (DlCanvas   *self,
                    const char *text)
{
  g_return_if_fail (DL_IS_CANVAS (self));

  if (text == NULL)
    text = _("Draw a digit with the mouse, a finger or a pen");
  if (g_strcmp0 (text, self->announcement) == 0)
    return;
  g_free (self->announcement);
  self->announcement = g_strdup (text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  self->announcement, -1);
}

const char *
dl_canvas_get_announcement (DlCanvas *self)
{
  g_return_val_if_fail (DL_IS_CANVAS (self), NULL);
  return self->announcement;
}

gboolean
dl_canvas_is_empty (DlCanvas *self)
{
  g_return_val_if_fail (DL_IS_CANVAS (self), TRUE);
  return self->strokes->len == 0;
}

gboolean
dl_canvas_can_undo (DlCanvas *self)
{
  return !dl_canvas_is_empty (self);
}

void
dl_canvas_undo (DlCanvas *self)
{
  g_return_if_fail (DL_IS_CANVAS (self));

  if (self->strokes->len == 0)
    return;
  self->current = NULL;
  g_ptr_array_remove_index (self->strokes, self->strokes->len - 1);
  emit_changed (self);
}

void
dl_canvas_clear (DlCanvas *self)
{
  g_return_if_fail (DL_IS_CANVAS (self));

  if (self->strokes->len == 0)
    return;
  self->current = NULL;
  g_ptr_array_set_size (self->strokes, 0);
  emit_changed (self);
}

/* Each stroke as segments with round caps, width following the pressure of each point. */
static void
draw_strokes (DlCanvas *self,
              cairo_t  *cr,
              double    size)
{
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  for (guint s = 0; s < self->strokes->len; s++)
    {
      GArray *stroke = g_ptr_array_index (self->strokes, s);
      const Point *pts = (const Point *) stroke->data;

      if (stroke->len == 1)
        {
          cairo_arc (cr, pts[0].x * size, pts[0].y * size, pts[0].width * size / 2, 0, 2 * G_PI);
          cairo_fill (cr);
          continue;
        }
      for (guint i = 1; i < stroke->len; i++)
        {
          cairo_set_line_width (cr, (pts[i - 1].width + pts[i].width) / 2 * size);
          cairo_move_to (cr, pts[i - 1].x * size, pts[i - 1].y * size);
          cairo_line_to (cr, pts[i].x * size, pts[i].y * size);
          cairo_stroke (cr);
        }
    }
}

float *
dl_canvas_render_ink (DlCanvas *self)
{
  const int S = DL_CANVAS_RENDER_SIZE;
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_A8, S, S);
  cairo_t *cr = cairo_create (surface);
  float *ink = g_new (float, S * S);
  const guint8 *data;
  int stride;

  draw_strokes (self, cr, S);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  data = cairo_image_surface_get_data (surface);
  stride = cairo_image_surface_get_stride (surface);
  for (int y = 0; y < S; y++)
    for (int x = 0; x < S; x++)
      ink[y * S + x] = data[y * stride + x] / 255.0f;
  cairo_surface_destroy (surface);
  return ink;
}

gboolean
dl_canvas_render_digit (DlCanvas *self,
                        float    *image)      /* (NN_PREPROCESS_SIZE, NN_PREPROCESS_SIZE) */
{
  g_autofree float *ink = NULL;

  g_return_val_if_fail (DL_IS_CANVAS (self), FALSE);
  g_return_val_if_fail (image != NULL, FALSE);

  if (dl_canvas_is_empty (self))
    return FALSE;
  ink = dl_canvas_render_ink (self);
  return nn_preprocess_digit_float (image, ink, DL_CANVAS_RENDER_SIZE, DL_CANVAS_RENDER_SIZE,
                                    NULL);
}

static void
dl_canvas_snapshot (GtkWidget   *widget,
                    GtkSnapshot *snapshot)
{
  DlCanvas *self = DL_CANVAS (widget);
  double w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  double size = MIN (w, h);
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));

  /* white ink on black, like the data the network learnt from */
  cairo_translate (cr, (w - size) / 2, (h - size) / 2);
  cairo_set_source_rgb (cr, 1, 1, 1);
  draw_strokes (self, cr, size);
  cairo_destroy (cr);
}

static void
dl_canvas_measure (GtkWidget      *widget,
                   GtkOrientation  orientation,
                   int             for_size,
                   int            *minimum,
                   int            *natural,
                   int            *minimum_baseline,
                   int            *natural_baseline)
{
  DlCanvas *self = DL_CANVAS (widget);

  *minimum = self->size > 0 ? self->size : 200;
  *natural = self->size > 0 ? self->size : 420;
}

void
dl_canvas_set_size (DlCanvas *self,
                    int       size)
{
  g_return_if_fail (DL_IS_CANVAS (self));
  self->size = MAX (size, 0);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

/* Widget coordinates to canvas coordinates 0 … 1 over the centred square. */
static void
to_canvas (DlCanvas *self,
           double    wx,
           double    wy,
           double   *x,
           double   *y)
{
  double w = gtk_widget_get_width (GTK_WIDGET (self)), h = gtk_widget_get_height (GTK_WIDGET (self));
  double size = MAX (MIN (w, h), 1);

  *x = (wx - (w - size) / 2) / size;
  *y = (wy - (h - size) / 2) / size;
}

static void
on_drag_begin (GtkGestureDrag *gesture,
               double          x,
               double          y,
               DlCanvas       *self)
{
  double cx, cy;

  to_canvas (self, x, y, &cx, &cy);
  dl_canvas_begin_stroke (self, cx, cy, self->pen_pressure);
}

static void
on_drag_update (GtkGestureDrag *gesture,
                double          dx,
                double          dy,
                DlCanvas       *self)
{
  double sx, sy, cx, cy;

  gtk_gesture_drag_get_start_point (gesture, &sx, &sy);
  to_canvas (self, sx + dx, sy + dy, &cx, &cy);
  dl_canvas_extend_stroke (self, cx, cy, self->pen_pressure);
}

static void
on_drag_end (GtkGestureDrag *gesture,
             double          dx,
             double          dy,
             DlCanvas       *self)
{
  dl_canvas_end_stroke (self);
  self->pen_pressure = -1;
}

/* A stylus reports pressure; the drag gesture that follows its motion uses it. */
static void
on_stylus_motion (GtkGestureStylus *gesture,
                  double            x,
                  double            y,
                  DlCanvas         *self)
{
  double pressure;

  if (gtk_gesture_stylus_get_axis (gesture, GDK_AXIS_PRESSURE, &pressure))
    self->pen_pressure = pressure;
}

static void
dl_canvas_finalize (GObject *object)
{
  DlCanvas *self = DL_CANVAS (object);

  g_ptr_array_unref (self->strokes);
  g_free (self->announcement);
  G_OBJECT_CLASS (dl_canvas_parent_class)->finalize (object);
}

static void
dl_canvas_class_init (DlCanvasClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = dl_canvas_finalize;
  widget_class->snapshot = dl_canvas_snapshot;
  widget_class->measure = dl_canvas_measure;

  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_css_name (widget_class, "canvas");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
dl_canvas_init (DlCanvas *self)
{
  GtkGesture *drag = gtk_gesture_drag_new ();
  GtkGesture *stylus = gtk_gesture_stylus_new ();

  self->strokes = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  self->pen_pressure = -1;
  self->pen_scale = 1;
  gtk_widget_add_css_class (GTK_WIDGET (self), "drawing-canvas");
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "crosshair");
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);

  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (on_drag_end), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));
  g_signal_connect (stylus, "down", G_CALLBACK (on_stylus_motion), self);
  g_signal_connect (stylus, "motion", G_CALLBACK (on_stylus_motion), self);
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (stylus), GTK_PHASE_CAPTURE);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (stylus));

  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Drawing canvas"), -1);
  dl_canvas_announce (self, NULL);
}

GtkWidget *
dl_canvas_new (void)
{
  return g_object_new (DL_TYPE_CANVAS, NULL);
}
