/* test-app-ui.c: what a person meets on the pages — every key listed in the Keyboard Shortcuts
 * window, the pages' keys, numbers in the locale's style, widgets that keep their values */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <locale.h>
#include <adwaita.h>

#include "dl-application.h"
#include "dl-confusion-matrix.h"
#include "dl-window.h"
#include "dl-window-private.h"
#include "app-helpers.h"
#include "fixtures.h"

/* Every GtkShortcutsShortcut under widget. */
static void
collect_shortcuts (GtkWidget *widget,
                   GPtrArray *found)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_SHORTCUTS_SHORTCUT (child))
        g_ptr_array_add (found, child);
      collect_shortcuts (child, found);
    }
}

static gboolean
strv_has_prefix (const char *const *strv,
                 const char        *prefix)
{
  for (; strv != NULL && *strv != NULL; strv++)
    if (g_str_has_prefix (*strv, prefix))
      return TRUE;
  return FALSE;
}

/* Each entry of the Keyboard Shortcuts window shows a key, and each key the application knows
 * has its entry; the page keys follow the pages. */
static void
test_shortcuts_window (void)
{
  g_autoptr(DlApplication) app = dl_application_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) shortcuts = g_ptr_array_new ();
  g_autoptr(GPtrArray) listed = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) actions = NULL;
  g_auto(GStrv) page_names = _dl_window_list_page_names ();
  g_autofree char *page_range = NULL;
  GtkShortcutsWindow *overlay;
  DlWindow *window;
  gboolean found_pages = FALSE;

  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  window = dl_window_new (ADW_APPLICATION (app));
  gtk_window_present (GTK_WINDOW (window));
  spin ();
  overlay = gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (window));
  g_assert_nonnull (overlay);
  collect_shortcuts (GTK_WIDGET (overlay), shortcuts);
  g_assert_cmpuint (shortcuts->len, >=, 15);
  page_range = g_strdup_printf ("<Alt>1...<Alt>%u", MIN (g_strv_length (page_names), 9));
  for (guint i = 0; i < shortcuts->len; i++)
    {
      g_autofree char *title = NULL;
      g_autofree char *action = NULL;
      g_autofree char *accel = NULL;

      g_object_get (shortcuts->pdata[i], "title", &title, "action-name", &action,
                    "accelerator", &accel, NULL);
      g_test_message ("%s: %s %s", title, action, accel);
      if (action != NULL)
        {
          g_auto(GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app),
                                                                        action);

          g_assert_cmpuint (g_strv_length (accels), >, 0);
          g_ptr_array_add (listed, g_steal_pointer (&action));
        }
      else
        {
          g_assert_nonnull (accel);
          g_assert_cmpstr (accel, !=, "");
          /* the page keys, as many as there are pages, in the entry and its search result */
          if (g_str_has_prefix (accel, "<Alt>1..."))
            {
              g_assert_cmpstr (accel, ==, page_range);
              found_pages = TRUE;
            }
        }
    }
  g_assert_true (found_pages);

  /* the other way round: no key of the application is missing from the window */
  actions = gtk_application_list_action_descriptions (GTK_APPLICATION (app));
  for (guint i = 0; actions[i] != NULL; i++)
    {
      g_auto(GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app),
                                                                    actions[i]);

      if (g_str_has_prefix (actions[i], "win.show-page::"))
        {
          g_assert_true (strv_has_prefix ((const char *const *) accels, "<Alt>"));
          continue;
        }
      g_test_message ("%s has a key; listed: %d", actions[i],
                      g_ptr_array_find_with_equal_func (listed, actions[i], g_str_equal, NULL));
      g_assert_true (g_ptr_array_find_with_equal_func (listed, actions[i], g_str_equal, NULL));
    }

  /* Alt+number and Ctrl+Page Up/Down move between the pages, in the switcher's order */
  for (guint i = 0; page_names[i] != NULL && i < 9; i++)
    {
      g_autofree char *detailed = g_strdup_printf ("win.show-page::%s", page_names[i]);
      g_auto(GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app),
                                                                    detailed);
      g_autofree char *want = g_strdup_printf ("<Alt>%u", i + 1);

      g_assert_cmpuint (g_strv_length (accels), ==, 1);
      g_assert_cmpstr (accels[0], ==, want);
    }
  {
    AdwViewStack *stack = window->stack;
    guint n = g_strv_length (page_names);

    adw_view_stack_set_visible_child_name (stack, page_names[0]);
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.previous-page", NULL));
    g_assert_cmpstr (adw_view_stack_get_visible_child_name (stack), ==, page_names[0]);
    for (guint i = 1; i < n; i++)
      {
        g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.next-page", NULL));
        g_assert_cmpstr (adw_view_stack_get_visible_child_name (stack), ==, page_names[i]);
      }
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.next-page", NULL));
    g_assert_cmpstr (adw_view_stack_get_visible_child_name (stack), ==, page_names[n - 1]);
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.previous-page", NULL));
    g_assert_cmpstr (adw_view_stack_get_visible_child_name (stack), ==, page_names[n - 2]);
  }
  close_window (window);
}

int
main (int   argc,
      char *argv[])
{
  /* windows must not pick up a dataset of the machine's; each test gives its own */
  g_setenv ("DIGIT_LAB_DATA_DIR", "/nonexistent/digit-lab-data", TRUE);
  if (g_strcmp0 (g_getenv ("DISPLAY"), "") <= 0 && g_strcmp0 (g_getenv ("WAYLAND_DISPLAY"), "") <= 0)
    {
      if (g_getenv ("CI") != NULL)
        g_error ("no display: the GUI tests need one (run under xvfb-run)");
      g_print ("1..0 # SKIP no display\n");
      return 0;
    }
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/app-ui/shortcuts-window", test_shortcuts_window);
  return g_test_run ();
}
