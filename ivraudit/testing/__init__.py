"""Test doubles and ground truth for tests of ivraudit and of phone trees"""
