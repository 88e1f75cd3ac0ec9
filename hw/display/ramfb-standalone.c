/*
 * -device ramfb: a ramfb on no bus, shown as console head 0 under the device's id (or
 * "ramfb"); blank until the guest's firmware (or a test playing it) writes etc/ramfb.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/display/ramfb.h"
#include "qom/device.h"
#include "qom/object.h"

typedef struct {
    HdDevice parent_instance;
    HdRamfb *fb;
    HdConsole *con;
} RamfbDevice;

typedef struct {
    HdDeviceClass parent_class;
} RamfbDeviceClass;

static GType ramfb_device_get_type(void);
G_DEFINE_TYPE(RamfbDevice, ramfb_device, HD_TYPE_DEVICE)

static bool ramfb_device_refresh(void *opaque, GError **errp)
{
    RamfbDevice *d = opaque;

    if (!hd_ramfb_active(d->fb)) {
        if (hd_console_surface(d->con)) {
            hd_console_set_surface(d->con, NULL);
        }
        return true; /* nothing to show yet: no surface */
    }
    return hd_ramfb_refresh_into(d->fb, d->con, errp);
}

static const HdConsoleOps ramfb_console_ops = {
    .refresh = ramfb_device_refresh,
};

static bool ramfb_device_realize(HdDevice *dev, GError **errp)
{
    RamfbDevice *d = (RamfbDevice *)dev;
    g_autofree char *what = hd_device_describe(dev);
    const char *id = hd_device_get_id(dev);

    d->fb = hd_ramfb_new(what, errp);
    if (!d->fb) {
        return false;
    }
    d->con = hd_console_new(id ? id : "ramfb", 0, &ramfb_console_ops, d);
    return true;
}

static void ramfb_device_unrealize(HdDevice *dev)
{
    RamfbDevice *d = (RamfbDevice *)dev;

    g_clear_pointer(&d->con, hd_console_free);
    g_clear_pointer(&d->fb, hd_ramfb_free);
}

static void ramfb_device_class_init(RamfbDeviceClass *klass)
{
    HdDeviceClass *dc = HD_DEVICE_CLASS(klass);

    dc->description = "framebuffer in guest RAM set up by firmware through fw_cfg etc/ramfb";
    dc->user_creatable = true;
    dc->realize = ramfb_device_realize;
    dc->unrealize = ramfb_device_unrealize;
}

static void ramfb_device_init(RamfbDevice *d)
{
    (void)d;
}

void ramfb_register_types(void)
{
    hd_type_register("ramfb", ramfb_device_get_type());
}
