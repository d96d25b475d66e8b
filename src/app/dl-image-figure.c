/* dl-image-figure.c: grey images in a grid with captions; drawn at any size with crisp pixels */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "dl-image-figure.h"

/* between tiles, and between a tile and its caption, in the figure's units */
#define GAP 12.0
#define CAPTION_GAP 4.0

typedef struct
{
  guint8 *pixels;     /* (height, width) */
  size_t  width, height;
  char   *caption;
} Image;

struct _DlImageFigure
{
  GObject  parent_instance;

  guint    n_columns;
  GArray  *images;    /* Image */
};

static void dl_image_figure_figure_init (DlFigureInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (DlImageFigure, dl_image_figure, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (DL_TYPE_FIGURE, dl_image_figure_figure_init))

static void
image_clear (Image *image)
{
  g_free (image->pixels);
  g_free (image->caption);
}

static void
dl_image_figure_finalize (GObject *object)
{
  DlImageFigure *self = DL_IMAGE_FIGURE (object);

  g_array_unref (self->images);
  G_OBJECT_CLASS (dl_image_figure_parent_class)->finalize (object);
}

static void
dl_image_figure_class_init (DlImageFigureClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dl_image_figure_finalize;
}

static void
dl_image_figure_init (DlImageFigure *self)
{
  self->images = g_array_new (FALSE, TRUE, sizeof (Image));
  g_array_set_clear_func (self->images, (GDestroyNotify) image_clear);
}

DlImageFigure *
dl_image_figure_new (guint n_columns)
{
  DlImageFigure *self = g_object_new (DL_TYPE_IMAGE_FIGURE, NULL);

  self->n_columns = MAX (n_columns, 1);
  return self;
}

void
dl_image_figure_add (DlImageFigure *self,
                     const float   *pixels,
                     size_t         width,
                     size_t         height,
                     const char    *caption)
{
  Image image = { 0 };

  g_return_if_fail (DL_IS_IMAGE_FIGURE (self));
  g_return_if_fail (pixels != NULL && width > 0 && height > 0 && width <= 4096 && height <= 4096);

  image.width = width;
  image.height = height;
  image.pixels = g_new (guint8, width * height);
  for (size_t i = 0; i < width * height; i++)
    image.pixels[i] = (guint8) (CLAMP (pixels[i], 0.0f, 1.0f) * 255 + 0.5f);
  image.caption = g_strdup (caption);
  g_array_append_val (self->images, image);
}

guint
dl_image_figure_get_n_images (DlImageFigure *self)
{
  g_return_val_if_fail (DL_IS_IMAGE_FIGURE (self), 0);
  return self->images->len;
}

/* Each pixel drawn as a block of UPSAMPLE × UPSAMPLE: SVG and PDF viewers smooth embedded
 * images whatever filter Cairo asks for, and then only the blocks' edges blur. */
#define UPSAMPLE 8

static void
draw_tile (cairo_t     *cr,
           const Image *image,
           double       x,
           double       y,
           double       size)
{
  int w = (int) image->width * UPSAMPLE, h = (int) image->height * UPSAMPLE;
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, w, h);
  guint8 *data = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);
  double scale = size / MAX (w, h);

  for (int r = 0; r < h; r++)
    for (int c = 0; c < w; c++)
      {
        guint8 v = image->pixels[(r / UPSAMPLE) * image->width + c / UPSAMPLE];

        ((guint32 *) (data + r * stride))[c] = 0xff000000u | (guint32) v << 16 | (guint32) v << 8 | v;
      }
  cairo_surface_mark_dirty (surface);
  cairo_save (cr);
  cairo_rectangle (cr, x, y, size, size);
  cairo_set_source_rgb (cr, 0, 0, 0);
  cairo_fill (cr);
  cairo_translate (cr, x + (size - scale * w) / 2, y + (size - scale * h) / 2);
  cairo_scale (cr, scale, scale);
  cairo_set_source_surface (cr, surface, 0, 0);
  /* the network's pixels, not a smoothed picture of them */
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_rectangle (cr, 0, 0, w, h);
  cairo_fill (cr);
  cairo_restore (cr);
  cairo_surface_destroy (surface);
}

static void
dl_image_figure_draw (DlFigure            *figure,
                      cairo_t             *cr,
                      const DlFigureFrame *frame)
{
  DlImageFigure *self = DL_IMAGE_FIGURE (figure);
  guint n = self->images->len;
  guint columns = MIN (self->n_columns, MAX (n, 1));
  guint rows = (n + columns - 1) / MAX (columns, 1);
  PangoLayout *layout;
  double caption_h = 0, size, x0, y0;
  gboolean any_caption = FALSE;
  GdkRGBA fg;
  int th = 0;

  if (n == 0)
    return;
  layout = gtk_widget_create_pango_layout (frame->widget, "0");
  gtk_style_context_get_color (gtk_widget_get_style_context (frame->widget), &fg);
  for (guint i = 0; i < n; i++)
    any_caption |= g_array_index (self->images, Image, i).caption != NULL;
  if (any_caption)
    {
      pango_layout_get_pixel_size (layout, NULL, &th);
      caption_h = CAPTION_GAP + th;
    }
  /* square tiles, as large as both directions allow, the grid centred */
  size = MIN ((frame->width - GAP * (columns - 1)) / columns,
              (frame->height - GAP * (rows - 1) - caption_h * rows) / rows);
  if (size < 2)
    {
      g_object_unref (layout);
      return;
    }
  x0 = (frame->width - (size * columns + GAP * (columns - 1))) / 2;
  y0 = (frame->height - ((size + caption_h) * rows + GAP * (rows - 1))) / 2;
  pango_layout_set_width (layout, (int) (size * PANGO_SCALE));
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
  for (guint i = 0; i < n; i++)
    {
      const Image *image = &g_array_index (self->images, Image, i);
      double x = x0 + (i % columns) * (size + GAP);
      double y = y0 + (i / columns) * (size + caption_h + GAP);

      draw_tile (cr, image, x, y, size);
      if (image->caption != NULL)
        {
          pango_layout_set_text (layout, image->caption, -1);
          gdk_cairo_set_source_rgba (cr, &fg);
          cairo_move_to (cr, x, y + size + CAPTION_GAP);
          pango_cairo_show_layout (cr, layout);
        }
    }
  g_object_unref (layout);
}

static gboolean
dl_image_figure_has_data (DlFigure *figure)
{
  return DL_IMAGE_FIGURE (figure)->images->len > 0;
}

static void
dl_image_figure_figure_init (DlFigureInterface *iface)
{
  iface->draw = dl_image_figure_draw;
  iface->has_data = dl_image_figure_has_data;
}
