/* test-file.c: nn-file reads regular files only, under a cap, and never replaces a non-file */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <sys/stat.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "fixtures.h"
#include "nn-file.h"

static void
test_read_regular (void)
{
  g_autofree char *dir = fixture_dir ();
  g_autofree char *path = g_build_filename (dir, "five", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;

  g_assert_true (g_file_set_contents (path, "12345", 5, NULL));
  g_assert_true (nn_file_read (path, 5, &contents, &length, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (length, ==, 5);
  g_assert_cmpstr (contents, ==, "12345");   /* NUL-terminated */
  g_clear_pointer (&contents, g_free);

  g_assert_false (nn_file_read (path, 4, &contents, &length, &error));
  g_assert_error (error, NN_FILE_ERROR, NN_FILE_ERROR_TOO_LARGE);
  g_assert_null (contents);
  g_clear_error (&error);

  /* an empty file is a file */
  g_assert_true (g_file_set_contents (path, "", 0, NULL));
  g_assert_true (nn_file_read (path, 0, &contents, &length, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (length, ==, 0);
  g_assert_cmpstr (contents, ==, "");

  g_remove (path);
  g_rmdir (dir);
}

static void
test_read_non_files (void)
{
  g_autofree char *dir = fixture_dir ();
  g_autofree char *fifo = g_build_filename (dir, "fifo", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing", NULL);
  g_autofree char *dangling = g_build_filename (dir, "dangling", NULL);
  struct { const char *path; int code; } cases[] = {
    { "/dev/zero", NN_FILE_ERROR_NOT_REGULAR },   /* endless */
    { NULL /* fifo */, NN_FILE_ERROR_NOT_REGULAR }, /* no writer: would block */
    { NULL /* dir */, NN_FILE_ERROR_NOT_REGULAR },
    { NULL /* missing */, NN_FILE_ERROR_NOT_FOUND },
    { NULL /* dangling */, NN_FILE_ERROR_NOT_FOUND },
  };

  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  g_assert_cmpint (symlink (missing, dangling), ==, 0);
  cases[1].path = fifo;
  cases[2].path = dir;
  cases[3].path = missing;
  cases[4].path = dangling;

  for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *contents = NULL;
      gsize size = 0;
      int fd;

      g_assert_false (nn_file_read (cases[i].path, NN_FILE_MAX_PNG, &contents, NULL, &error));
      g_assert_error (error, NN_FILE_ERROR, cases[i].code);
      g_assert_nonnull (strstr (error->message, cases[i].path));
      g_assert_null (contents);
      g_clear_error (&error);

      fd = nn_file_open_regular (cases[i].path, NN_FILE_MAX_PNG, &size, &error);
      g_assert_cmpint (fd, ==, -1);
      g_assert_error (error, NN_FILE_ERROR, cases[i].code);
    }
  g_remove (fifo);
  g_remove (dangling);
  g_rmdir (dir);
}

static void
test_replaceable (void)
{
  g_autofree char *dir = fixture_dir ();
  g_autofree char *file = g_build_filename (dir, "file", NULL);
  g_autofree char *fifo = g_build_filename (dir, "fifo", NULL);
  g_autofree char *link = g_build_filename (dir, "link", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing", NULL);
  g_autoptr(GError) error = NULL;
  GStatBuf info;

  g_assert_true (g_file_set_contents (file, "x", 1, NULL));
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  g_assert_cmpint (symlink (file, link), ==, 0);

  g_assert_true (nn_file_check_replaceable (file, &error));
  g_assert_no_error (error);
  g_assert_true (nn_file_check_replaceable (missing, &error));
  g_assert_no_error (error);

  g_assert_false (nn_file_check_replaceable (fifo, &error));
  g_assert_error (error, NN_FILE_ERROR, NN_FILE_ERROR_NOT_REGULAR);
  g_clear_error (&error);
  g_assert_false (nn_file_check_replaceable (link, &error));
  g_assert_error (error, NN_FILE_ERROR, NN_FILE_ERROR_NOT_REGULAR);
  g_clear_error (&error);
  g_assert_false (nn_file_check_replaceable (dir, &error));
  g_assert_error (error, NN_FILE_ERROR, NN_FILE_ERROR_NOT_REGULAR);
  g_clear_error (&error);
  g_assert_false (nn_file_check_replaceable ("/dev/null", &error));
  g_assert_error (error, NN_FILE_ERROR, NN_FILE_ERROR_NOT_REGULAR);

  /* nothing was touched */
  g_assert_cmpint (g_lstat (fifo, &info), ==, 0);
  g_assert_true (S_ISFIFO (info.st_mode));
  g_assert_cmpint (g_lstat (link, &info), ==, 0);
  g_assert_true (S_ISLNK (info.st_mode));

  g_remove (file);
  g_remove (fifo);
  g_remove (link);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/file/read-regular", test_read_regular);
  g_test_add_func ("/engine/file/read-non-files", test_read_non_files);
  g_test_add_func ("/engine/file/replaceable", test_replaceable);
  return g_test_run ();
}
