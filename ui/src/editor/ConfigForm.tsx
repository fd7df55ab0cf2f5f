/**
 * A node's config as a form generated from its plugin's JSON Schema (rjsf + ajv8): defaults filled in, choices as
 * selects, descriptions as help, invalid values shown inline as they are typed, and the server's located
 * problems shown on the very field.
 */
import Form, { type FormProps } from '@rjsf/core';
import type { ErrorSchema, UiSchema, ValidatorType } from '@rjsf/utils';
import validator from '@rjsf/validator-ajv8';
import { memo, useMemo, useRef } from 'react';
import { dropEmptyOptional, dropParamRefErrors, formSchema } from './form-schema';
import { paramWidgets, type FormContext } from './ParamWidgets';

export interface ConfigFormProps {
  readonly schema: unknown;
  readonly value: Record<string, unknown> | undefined;
  readonly onChange: (config: Record<string, unknown>) => void;
  readonly params?: readonly string[];
  /** The server's problems under this node's config, as an rjsf error schema. */
  readonly serverErrors?: Record<string, unknown>;
}

/** The ajv8 validator, minus the errors of fields that hold a param reference (it sees the data being checked). */
const paramAwareValidator: ValidatorType = Object.create(validator);
paramAwareValidator.validateFormData = (formData, schema, customValidate, transformErrors, ui) =>
  validator.validateFormData(formData, schema, customValidate, (errors, u) => {
    const kept = dropParamRefErrors(errors, formData);
    return transformErrors ? transformErrors(kept, u) : kept;
  }, ui);

const uiSchema: UiSchema = { 'ui:submitButtonOptions': { norender: true }, 'ui:title': '' };

/**
 * Defaults are filled in for required fields only: rjsf's default also fills an optional object with its
 * members' defaults (evaluate's `production: { alias }` without its required `model`) and an optional array up to
 * its minItems (annotate's `split.key: [null]`), and the first edit of such a form would write those invalid values.
 */
const defaults: FormProps['experimental_defaultFormStateBehavior'] = { emptyObjectFields: 'populateRequiredDefaults', arrayMinItems: { populate: 'requiredOnly' } };

function ConfigFormView({ schema, value, onChange, params = [], serverErrors }: ConfigFormProps) {
  const prepared = useMemo(() => formSchema(schema), [schema]);
  const formContext = useMemo<FormContext>(() => ({ params }), [params]);
  // rjsf reports a change when it fills in defaults on mount; only a user's edit may change the document.
  const touched = useRef(false);
  const touch = () => void (touched.current = true);
  return (
    <div onKeyDownCapture={touch} onPointerDownCapture={touch} onClickCapture={touch} onChangeCapture={touch} onInputCapture={touch}>
    <Form
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
      onChange={(event) => {
        if (touched.current) onChange(dropEmptyOptional(event.formData ?? {}, prepared) as Record<string, unknown>);
      }}
    />
    </div>
  );
}

export const ConfigForm = memo(ConfigFormView);
