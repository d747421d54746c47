from django.contrib import admin

from centres.admin import ReadOnlyAdmin

from .models import (
    AssessorRiskOverride,
    CoMarkingExercise,
    Observation,
    Sample,
    SampleAction,
    SamplingPlan,
    SamplingStrategy,
    StandardisationMeeting,
)

# IQA records are changed only through the moderation pages (each act audited); the admin reads them.
for model in (SamplingStrategy, AssessorRiskOverride, SamplingPlan, Sample, SampleAction, Observation,
              StandardisationMeeting, CoMarkingExercise):
    admin.site.register(model, ReadOnlyAdmin)
