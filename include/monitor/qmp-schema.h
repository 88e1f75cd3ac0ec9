/*
 * The declared QMP interface: the tables scripts/qapi-gen.py generates from the schema in qapi/
 * (each command's argument types, return type and features; query-qmp-schema's reply) and the check
 * the dispatcher runs on a request's arguments before the handler.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MONITOR_QMP_SCHEMA_H
#define MONITOR_QMP_SCHEMA_H

#include <json-glib/json-glib.h>
#include <stdbool.h>

typedef enum QmpTypeKind {
    QMP_TYPE_STR,
    QMP_TYPE_INT,
    QMP_TYPE_NUMBER, /* an integer or a float */
    QMP_TYPE_BOOL,
    QMP_TYPE_NULL,
    QMP_TYPE_ANY,
    QMP_TYPE_ARRAY,
    QMP_TYPE_OBJECT,
    QMP_TYPE_ENUM,
} QmpTypeKind;

typedef struct QmpType QmpType;

/* A member of an object type; arrays of members end with a NULL name. */
typedef struct QmpMember {
    const char *name;
    const QmpType *type;
    bool optional;
} QmpMember;

/* A type the arguments of a command may use. */
struct QmpType {
    const char *name;           /* its name in query-qmp-schema ("str", "[int]", ...) */
    QmpTypeKind kind;
    const QmpType *element;     /* QMP_TYPE_ARRAY: the elements' type */
    const QmpMember *members;   /* QMP_TYPE_OBJECT */
    const char *const *values;  /* QMP_TYPE_ENUM: the accepted strings, NULL-terminated */
    bool extra_members;         /* QMP_TYPE_OBJECT: undeclared members pass unchecked */
};

/* One declared command. */
typedef struct QmpCommandDecl {
    const char *name;
    const QmpType *args;         /* a QMP_TYPE_OBJECT */
    const char *ret_type;        /* the name of the return type in query-qmp-schema */
    const char *const *features; /* NULL-terminated; NULL for none */
} QmpCommandDecl;

/* The built-in types, for declarations written in C (tests). */
extern const QmpType qmp_type_str, qmp_type_int, qmp_type_number, qmp_type_bool, qmp_type_null,
    qmp_type_any;

/* Generated: every command declared in qapi/, in schema order; ends with a NULL name. */
extern const QmpCommandDecl qmp_schema_commands[];

/* Generated: query-qmp-schema's reply for all declared commands, as JSON text. */
extern const char qmp_schema_introspection[];

/* The declaration of command @name (from qapi/ or qmp_schema_declare()); NULL if none. */
const QmpCommandDecl *qmp_schema_lookup(const char *name);

/*
 * Declare a command outside qapi/: for tests only, which register commands of their own.
 * @decl must outlive the process; declaring a name twice is a programming error (critical).
 */
void qmp_schema_declare(const QmpCommandDecl *decl);

/*
 * Check @args against @decl with QEMU's wording (GenericError): "Parameter 'x' is missing",
 * "Invalid parameter type for 'x', expected: integer", "Parameter 'x' does not accept value
 * 'y'", "Parameter 'x' is unexpected". Members of nested values are named 'a[0].b'.
 */
bool qmp_schema_check_args(const QmpCommandDecl *decl, JsonObject *args, GError **errp);

/* query-qmp-schema's reply: the generated entries less the commands not registered. */
JsonNode *qmp_schema_introspect(void);

#endif /* MONITOR_QMP_SCHEMA_H */
