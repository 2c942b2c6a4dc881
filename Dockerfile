FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# gettext's msgfmt compiles the translations (locale/*/LC_MESSAGES/django.po) below; Pango and
# a font are what WeasyPrint draws the consultation summary's PDF with.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext libpango-1.0-0 libpangoft2-1.0-0 \
        fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir .
COPY . .
RUN python manage.py collectstatic --noinput \
    && python manage.py compilemessages
RUN useradd --create-home ssm && chown -R ssm /app
USER ssm
EXPOSE 8000
# The config file redacts the tokens of one-time links from gunicorn's logs.
CMD ["gunicorn", "ssm_outcomes.wsgi:application", "--config", "ssm_outcomes/gunicorn_conf.py", \
     "--bind", "0.0.0.0:8000", "--workers", "3"]
