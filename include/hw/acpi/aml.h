/*
 * A small AML encoder for the DSDT hostdev writes: names, scopes, devices, packages, buffers
 * and integers, each object a GByteArray that its parent takes over.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_ACPI_AML_H
#define HW_ACPI_AML_H

#include <glib.h>
#include <stdint.h>

typedef GByteArray Aml;

/*
 * Append the low @n bytes of @v, little-endian, then zeros when @n > 8 (also for the binary
 * ACPI and MP tables).
 */
void aml_append_le(GByteArray *a, uint64_t v, unsigned n);
/* The byte that makes @len bytes at @p sum to zero (ACPI and MP table checksums). */
uint8_t acpi_checksum(const uint8_t *p, size_t len);

/* An integer with the shortest encoding (Zero, One, Byte/Word/DWord/QWordConst). */
Aml *aml_int(uint64_t value);
/* A string constant. */
Aml *aml_string(const char *s);
/* A compressed EISA id ("PNP0A08") as a DWordConst. */
Aml *aml_eisaid(const char *id);
/* Name(NAME, object); takes @object. */
Aml *aml_name_decl(const char *name, Aml *object);
/* Scope(NAME) / Device(NAME) / Package(n) / Buffer: containers; append children with
 * aml_append(), then aml_end() fixes the package length. */
Aml *aml_scope(const char *name);
Aml *aml_device(const char *name);
Aml *aml_package(uint8_t elements);
/* Method(NAME, nargs) and If(predicate): containers like aml_device (close with aml_end). */
Aml *aml_method(const char *name, unsigned nargs);
Aml *aml_if(Aml *predicate);
/* A reference to a named object; Arg0..Arg6. */
Aml *aml_name(const char *name);
Aml *aml_arg(unsigned n);
/* Return(value), LEqual(a, b), Or(a, b, target), CreateDWordField(buffer, index, NAME). */
Aml *aml_return(Aml *value);
Aml *aml_lequal(Aml *a, Aml *b);
Aml *aml_or(Aml *a, Aml *b, Aml *target);
Aml *aml_create_dword_field(Aml *buffer, Aml *index, const char *name);
/* ToUUID("xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"): its 16-byte Buffer. */
Aml *aml_uuid(const char *uuid);
/* A Buffer holding @len bytes of @data (e.g. a resource template). */
Aml *aml_buffer(const uint8_t *data, size_t len);
/* Append @child to @parent and free @child. */
void aml_append(Aml *parent, Aml *child);
/* Close a container made by aml_scope/aml_device/aml_package; returns it. */
Aml *aml_end(Aml *container);

/* Resource template pieces (ACPI 6, 6.4): appended to a GByteArray, then aml_resource_end. */
void aml_res_word_bus(GByteArray *r, uint16_t min, uint16_t max);
void aml_res_io(GByteArray *r, uint16_t base, uint8_t len);
void aml_res_word_io(GByteArray *r, uint16_t min, uint16_t max);
void aml_res_dword_mem(GByteArray *r, uint32_t min, uint32_t max);
void aml_res_qword_mem(GByteArray *r, uint64_t min, uint64_t max);
void aml_res_mem32_fixed(GByteArray *r, uint32_t base, uint32_t len);
void aml_resource_end(GByteArray *r);

#endif /* HW_ACPI_AML_H */
