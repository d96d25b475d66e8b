/* dl-confusion-matrix.c: a square grid, colour by row share, counts in each cell */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "dl-confusion-matrix.h"

#include <glib/gi18n.h>

#include "dl-figure.h"

#define LABEL_SPACE 28
/* the most confused pairs the summary names */
#define N_CONFUSED 3

struct _DlConfusionMatrix
{
  GtkWidget  parent_instance;

  size_t     n;
  guint32   *counts;      /* (n, n) row = true, column = predicted */
  char     **names;
  int        selected_row, selected_col;
  char      *summary;
};

static void dl_confusion_matrix_figure_init (DlFigureInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (DlConfusionMatrix, dl_confusion_matrix, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (DL_TYPE_FIGURE, dl_confusion_matrix_figure_init))

enum
{
  CELL_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static char *
describe_cell (DlConfusionMatrix *self,
               size_t             row,
               size_t             col)
{
  guint32 c = self->counts[row * self->n + col];

  /* Translators: one cell of the confusion matrix: true class, predicted class, count */
  return g_strdup_printf (ngettext ("%s predicted as %s, %u image",
                                    "%s predicted as %s, %u images", c),
                          self->names[row], self->names[col], c);
}

/* For screen readers, whenever the counts or the selection change (never while drawing). */
static void
update_summary (DlConfusionMatrix *self)
{
  g_autoptr(GString) text = g_string_new (NULL);
  size_t top[N_CONFUSED];
  size_t n_top = 0;
  guint64 total = 0, right = 0;

  if (self->n == 0)
    g_string_assign (text, _("No evaluation yet"));
  else
    {
      for (size_t i = 0; i < self->n; i++)
        for (size_t j = 0; j < self->n; j++)
          {
            guint32 c = self->counts[i * self->n + j];
            size_t k;

            total += c;
            if (i == j)
              {
                right += c;
                continue;
              }
            if (c == 0)
              continue;
            /* insertion into the few largest so far, first found first among equals */
            for (k = n_top; k > 0 && self->counts[top[k - 1]] < c; k--)
              if (k < N_CONFUSED)
                top[k] = top[k - 1];
            if (k < N_CONFUSED)
              {
                top[k] = i * self->n + j;
                n_top = MIN (n_top + 1, N_CONFUSED);
              }
          }
      /* Translators: the confusion matrix for screen readers; right answers out of all */
      g_string_printf (text, _("Rows are true classes, columns predictions. %u of %u images "
                               "recognised."), (guint) right, (guint) total);
      if (n_top == 0)
        g_string_append_printf (text, " %s", _("No mistakes."));
      else
        {
          g_string_append_printf (text, " %s", _("Most confused:"));
          for (size_t k = 0; k < n_top; k++)
            {
              g_autofree char *cell = describe_cell (self, top[k] / self->n, top[k] % self->n);

              g_string_append_printf (text, k == 0 ? " %s" : "; %s", cell);
            }
          g_string_append_c (text, '.');
        }
      if (self->selected_row >= 0)
        {
          g_autofree char *cell = describe_cell (self, self->selected_row, self->selected_col);

          /* Translators: the cell chosen with a click or the arrow keys */
          g_string_append_printf (text, " %s", _("Selected:"));
          g_string_append_printf (text, " %s.", cell);
        }
    }
  g_free (self->summary);
  self->summary = g_string_free (g_steal_pointer (&text), FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  self->summary, -1);
}

const char *
dl_confusion_matrix_get_summary (DlConfusionMatrix *self)
{
  g_return_val_if_fail (DL_IS_CONFUSION_MATRIX (self), NULL);
  return self->summary;
}

void
dl_confusion_matrix_set_evaluation (DlConfusionMatrix  *self,
                                    const NnEvaluation *ev,
                                    const char *const  *names)
{
  g_return_if_fail (DL_IS_CONFUSION_MATRIX (self));

  g_clear_pointer (&self->counts, g_free);
  g_clear_pointer (&self->names, g_strfreev);
  self->n = 0;
  self->selected_row = self->selected_col = -1;
  if (ev != NULL)
    {
      self->n = ev->n_classes;
      self->counts = g_memdup2 (ev->confusion, sizeof (guint32) * self->n * self->n);
      self->names = g_strdupv ((char **) names);
    }
  update_summary (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
dl_confusion_matrix_activate_cell (DlConfusionMatrix *self,
                                   int                row,
                                   int                col)
{
  g_return_if_fail (DL_IS_CONFUSION_MATRIX (self));

  if (row < 0 || col < 0 || (size_t) row >= self->n || (size_t) col >= self->n)
    return;
  self->selected_row = row;
  self->selected_col = col;
  update_summary (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, signals[CELL_ACTIVATED], 0, row, col);
}

static void
geometry (DlConfusionMatrix *self,
          double             w,
          double             h,
          double            *x0,
          double            *y0,
          double            *cell)
{
  double size = MIN (w, h) - LABEL_SPACE;

  *cell = self->n > 0 ? size / self->n : 0;
  *x0 = (w - size - LABEL_SPACE) / 2 + LABEL_SPACE;
  *y0 = LABEL_SPACE;
}

/* Draws at any size: on screen through the snapshot (with the selected cell framed), into
 * figure files without the selection. */
static void
draw_matrix (DlConfusionMatrix *self_,
             cairo_t           *cr,
             double             w,
             double             h,
             gboolean           show_selection)
{
  GtkWidget *widget = GTK_WIDGET (self_);
  DlConfusionMatrix *self = self_;
  double x0, y0, cell;
  GdkRGBA fg;
  PangoLayout *layout;

  if (self->n == 0)
    return;
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  geometry (self, w, h, &x0, &y0, &cell);
  layout = gtk_widget_create_pango_layout (widget, NULL);

  for (size_t i = 0; i < self->n; i++)
    {
      guint64 row_total = 0;

      for (size_t j = 0; j < self->n; j++)
        row_total += self->counts[i * self->n + j];
      for (size_t j = 0; j < self->n; j++)
        {
          guint32 c = self->counts[i * self->n + j];
          double share = row_total > 0 ? (double) c / row_total : 0;
          /* the diagonal in blue, mistakes in red; darker is more */
          double intensity = i == j ? share : MIN (1.0, share * 8);
          char text[16];
          int tw, th;

          if (i == j)
            cairo_set_source_rgba (cr, 0.208, 0.518, 0.894, 0.15 + 0.85 * intensity);
          else if (c > 0)
            cairo_set_source_rgba (cr, 0.878, 0.106, 0.141, 0.1 + 0.9 * intensity);
          else
            cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.04);
          cairo_rectangle (cr, x0 + j * cell + 1, y0 + i * cell + 1, cell - 2, cell - 2);
          cairo_fill (cr);
          if (show_selection && (int) i == self->selected_row && (int) j == self->selected_col)
            {
              gdk_cairo_set_source_rgba (cr, &fg);
              cairo_set_line_width (cr, 2);
              cairo_rectangle (cr, x0 + j * cell + 1, y0 + i * cell + 1, cell - 2, cell - 2);
              cairo_stroke (cr);
            }
          if (c == 0 || cell < 18)
            continue;
          g_snprintf (text, sizeof text, "%u", c);
          pango_layout_set_text (layout, text, -1);
          pango_layout_get_pixel_size (layout, &tw, &th);
          if ((i == j && intensity > 0.5) || (i != j && intensity > 0.6))
            cairo_set_source_rgb (cr, 1, 1, 1);
          else
            gdk_cairo_set_source_rgba (cr, &fg);
          cairo_move_to (cr, x0 + (j + 0.5) * cell - tw / 2.0, y0 + (i + 0.5) * cell - th / 2.0);
          pango_cairo_show_layout (cr, layout);
        }
    }
  /* class names along both edges */
  gdk_cairo_set_source_rgba (cr, &fg);
  for (size_t k = 0; k < self->n; k++)
    {
      int tw, th;

      pango_layout_set_text (layout, self->names[k], -1);
      pango_layout_get_pixel_size (layout, &tw, &th);
      cairo_move_to (cr, x0 + (k + 0.5) * cell - tw / 2.0, y0 - th - 4);
      pango_cairo_show_layout (cr, layout);
      cairo_move_to (cr, x0 - tw - 6, y0 + (k + 0.5) * cell - th / 2.0);
      pango_cairo_show_layout (cr, layout);
    }
  g_object_unref (layout);
}

void
dl_confusion_matrix_draw (DlConfusionMatrix *self,
                          cairo_t           *cr,
                          double             w,
                          double             h)
{
  g_return_if_fail (DL_IS_CONFUSION_MATRIX (self));
  draw_matrix (self, cr, w, h, TRUE);
}

static void
dl_confusion_matrix_snapshot (GtkWidget   *widget,
                              GtkSnapshot *snapshot)
{
  double w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));

  dl_confusion_matrix_draw (DL_CONFUSION_MATRIX (widget), cr, w, h);
  cairo_destroy (cr);
}

static void
on_pressed (GtkGestureClick   *gesture,
            int                n_press,
            double             x,
            double             y,
            DlConfusionMatrix *self)
{
  double x0, y0, cell;
  int row, col;

  if (self->n == 0)
    return;
  geometry (self, gtk_widget_get_width (GTK_WIDGET (self)),
            gtk_widget_get_height (GTK_WIDGET (self)), &x0, &y0, &cell);
  if (x < x0 || y < y0)
    return;
  col = (int) ((x - x0) / cell);
  row = (int) ((y - y0) / cell);
  gtk_widget_grab_focus (GTK_WIDGET (self));
  dl_confusion_matrix_activate_cell (self, row, col);
}

/* Arrow keys move the selection from cell to cell, each move showing that cell's images. */
static gboolean
on_key_pressed (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                DlConfusionMatrix     *self)
{
  int row = MAX (self->selected_row, 0), col = MAX (self->selected_col, 0);
  int last = (int) self->n - 1;

  if (self->n == 0 || (state & (GDK_CONTROL_MASK | GDK_ALT_MASK)) != 0)
    return FALSE;
  switch (keyval)
    {
    case GDK_KEY_Left:
    case GDK_KEY_KP_Left:
      col = self->selected_row < 0 ? 0 : MAX (col - 1, 0);
      break;
    case GDK_KEY_Right:
    case GDK_KEY_KP_Right:
      col = self->selected_row < 0 ? 0 : MIN (col + 1, last);
      break;
    case GDK_KEY_Up:
    case GDK_KEY_KP_Up:
      row = self->selected_row < 0 ? 0 : MAX (row - 1, 0);
      break;
    case GDK_KEY_Down:
    case GDK_KEY_KP_Down:
      row = self->selected_row < 0 ? 0 : MIN (row + 1, last);
      break;
    case GDK_KEY_Home:
      row = col = 0;
      break;
    case GDK_KEY_End:
      row = col = last;
      break;
    default:
      return FALSE;
    }
  dl_confusion_matrix_activate_cell (self, row, col);
  return TRUE;
}

static void
dl_confusion_matrix_measure (GtkWidget      *widget,
                             GtkOrientation  orientation,
                             int             for_size,
                             int            *minimum,
                             int            *natural,
                             int            *minimum_baseline,
                             int            *natural_baseline)
{
  *minimum = 260;
  *natural = 460;
}

static void
dl_confusion_matrix_finalize (GObject *object)
{
  DlConfusionMatrix *self = DL_CONFUSION_MATRIX (object);

  g_free (self->counts);
  g_strfreev (self->names);
  g_free (self->summary);
  G_OBJECT_CLASS (dl_confusion_matrix_parent_class)->finalize (object);
}

static void
dl_confusion_matrix_class_init (DlConfusionMatrixClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = dl_confusion_matrix_finalize;
  widget_class->snapshot = dl_confusion_matrix_snapshot;
  widget_class->measure = dl_confusion_matrix_measure;
  /* true class, predicted class */
  signals[CELL_ACTIVATED] = g_signal_new ("cell-activated", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                          G_TYPE_INT, G_TYPE_INT);
  gtk_widget_class_set_css_name (widget_class, "confusionmatrix");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
dl_confusion_matrix_init (DlConfusionMatrix *self)
{
  GtkGesture *click = gtk_gesture_click_new ();
  GtkEventController *keys = gtk_event_controller_key_new ();

  self->selected_row = self->selected_col = -1;
  g_signal_connect (click, "pressed", G_CALLBACK (on_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_key_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), keys);
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Confusion matrix"), -1);
  update_summary (self);
}

GtkWidget *
dl_confusion_matrix_new (void)
{
  return g_object_new (DL_TYPE_CONFUSION_MATRIX, NULL);
}

static void
dl_confusion_matrix_figure_draw (DlFigure            *figure,
                                 cairo_t             *cr,
                                 const DlFigureFrame *frame)
{
  draw_matrix (DL_CONFUSION_MATRIX (figure), cr, frame->width, frame->height, !frame->for_export);
}

static gboolean
dl_confusion_matrix_figure_has_data (DlFigure *figure)
{
  return DL_CONFUSION_MATRIX (figure)->n > 0;
}

static void
dl_confusion_matrix_figure_init (DlFigureInterface *iface)
{
  iface->draw = dl_confusion_matrix_figure_draw;
  iface->has_data = dl_confusion_matrix_figure_has_data;
}
