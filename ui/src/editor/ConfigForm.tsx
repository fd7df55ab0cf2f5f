/**
 * A node's config as a form generated from its plugin's JSON Schema (rjsf + ajv8): defaults filled in, choices as
 * selects, descriptions as help, invalid values shown inline as they are typed, and the server's located
 * problems shown on the very field.
 *
 * Inline errors are kept useful, not noisy: a tagged union shows only the errors of the branch its value picks
 * (tagged-unions.ts), and a field's errors show once the user has touched it, or, for a missing required field,
 * after a first save (`attempted`). The server's problems always show.
 */
import Form, { type FormProps } from '@rjsf/core';
import type { ErrorSchema, RJSFValidationError, UiSchema, ValidatorType } from '@rjsf/utils';
import { customizeValidator } from '@rjsf/validator-ajv8';
import { memo, useCallback, useEffect, useMemo, useRef, type SyntheticEvent } from 'react';
import { dropEmptyOptional, dropParamRefErrors, formSchema, touchedField, visibleErrors } from './form-schema';
import { paramWidgets, type FormContext } from './ParamWidgets';
import { pickedBranchErrors } from './tagged-unions';

export interface ConfigFormProps {
  readonly schema: unknown;
  readonly value: Record<string, unknown> | undefined;
  readonly onChange: (config: Record<string, unknown>) => void;
  readonly params?: readonly string[];
  /** The server's problems under this node's config, as an rjsf error schema. */
  readonly serverErrors?: Record<string, unknown>;
  /** A save was tried: missing required fields are shown even where the user has not been. */
  readonly attempted?: boolean;
}

/**
 * The ajv8 validator, minus the errors of fields that hold a param reference and those of the tagged-union branches
 * the data does not pick (it sees the data being checked). rjsf's own de-duplication across union branches is off:
 * it keeps the first branch's copy of an error, which may be a branch the data does not pick.
 */
const validator = customizeValidator({ suppressDuplicateFiltering: 'all' });
const paramAwareValidator: ValidatorType = Object.create(validator);
paramAwareValidator.validateFormData = (formData, schema, customValidate, transformErrors, ui) =>
  validator.validateFormData(formData, schema, customValidate, (errors, u) => {
    const kept = pickedBranchErrors(dropParamRefErrors(errors, formData), schema, formData);
    return transformErrors ? transformErrors(kept, u) : kept;
  }, ui);

const uiSchema: UiSchema = { 'ui:submitButtonOptions': { norender: true }, 'ui:title': '' };

/**
 * Defaults are filled in for required fields only: rjsf's default also fills an optional object with its
 * members' defaults (evaluate's `production: { alias }` without its required `model`) and an optional array up to
 * its minItems (annotate's `split.key: [null]`), and the first edit of such a form would write those invalid values.
 */
const defaults: FormProps['experimental_defaultFormStateBehavior'] = { emptyObjectFields: 'populateRequiredDefaults', arrayMinItems: { populate: 'requiredOnly' } };

function ConfigFormView({ schema, value, onChange, params = [], serverErrors, attempted = false }: ConfigFormProps) {
  const prepared = useMemo(() => formSchema(schema), [schema]);
  const formContext = useMemo<FormContext>(() => ({ params }), [params]);
  // rjsf reports a change when it fills in defaults on mount; only a user's edit may change the document.
  const touched = useRef(false);
  // The fields the user has been in, by rjsf id: recorded in the capture phase, before rjsf validates the change.
  const fields = useRef(new Set<string>());
  const touch = (event: SyntheticEvent) => {
    touched.current = true;
    const field = touchedField(event.target);
    if (field) fields.current.add(field);
  };
  const transformErrors = useCallback((errors: RJSFValidationError[]) => visibleErrors(errors, fields.current, attempted), [attempted]);
  // rjsf validates on a change of the data only: a save attempt asks it to validate now.
  const form = useRef<Form>(null);
  useEffect(() => {
    if (attempted) form.current?.validateForm();
  }, [attempted]);
  return (
    <div onKeyDownCapture={touch} onPointerDownCapture={touch} onClickCapture={touch} onChangeCapture={touch} onInputCapture={touch}>
    <Form
      ref={form}
      className="config-form"
      schema={prepared}
      uiSchema={uiSchema}
      formData={value ?? {}}
      validator={paramAwareValidator}
      widgets={paramWidgets}
      formContext={formContext}
      liveValidate="onChange"
      showErrorList={false}
      noHtml5Validate
      experimental_defaultFormStateBehavior={defaults}
      extraErrors={serverErrors as ErrorSchema | undefined}
      transformErrors={transformErrors}
      onChange={(event) => {
        if (touched.current) onChange(dropEmptyOptional(event.formData ?? {}, prepared) as Record<string, unknown>);
      }}
    />
    </div>
  );
}

export const ConfigForm = memo(ConfigFormView);
