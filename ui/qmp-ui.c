/*
 * QMP commands of the display: screendump (ui/screendump.c does the work) and query-vnc
 * (ui/vnc.c describes its server). Arguments were checked against qapi/ui.json.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "monitor/qmp.h"
#include "ui/screendump.h"
#include "ui/vnc.h"

static bool qmp_screendump(JsonObject *args, JsonNode **ret, GError **errp)
{
    const char *filename = json_object_get_string_member(args, "filename");
    const char *device = NULL;
    HdImageFormat format = HD_IMAGE_FORMAT_PPM;
    gint64 head = 0;
    HdConsole *con;

    (void)ret;
    if (json_object_has_member(args, "device")) {
        device = json_object_get_string_member(args, "device");
    }
    if (json_object_has_member(args, "head")) {
        if (!device) {
            g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                        "screendump: 'head' goes with 'device', which is missing");
            return false;
        }
        head = json_object_get_int_member(args, "head");
        if (head < 0 || head > G_MAXUINT) {
            g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                        "screendump: head %" G_GINT64_FORMAT " is not a head number", head);
            return false;
        }
    }
    if (json_object_has_member(args, "format") &&
        !hd_image_format_parse(json_object_get_string_member(args, "format"), &format, errp)) {
        return false;
    }
    con = hd_console_find(device, (unsigned)head, errp);
    if (!con) {
        g_prefix_error(errp, "screendump: ");
        return false;
    }
    return hd_screendump(con, filename, format, errp);
}

static bool qmp_query_vnc(JsonObject *args, JsonNode **ret, GError **errp)
{
    (void)args;
    (void)errp;
    *ret = hd_vnc_query();
    return true;
}

void qmp_register_ui_commands(void)
{
    qmp_register_command("screendump", qmp_screendump, QMP_CMD_DEFAULT);
    qmp_register_command("query-vnc", qmp_query_vnc, QMP_CMD_DEFAULT);
}
